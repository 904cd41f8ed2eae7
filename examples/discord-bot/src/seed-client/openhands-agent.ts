// A stand-in for the bot's `runOpenHandsAgent` (the seed's client files import it from
// `../openhands-agent.js`): succeeds, fails or throws depending on the task text, and reports the
// tools it used and whether it captured a learning, as the real result does.

/** What the bot's agent runner returns. */
export interface OpenHandsResult {
  success: boolean;
  output: string;
  error?: string;
  tools_used: string[];
  learnings_captured: boolean;
}

/** Options the bot passes (only `task` matters to the stand-in). */
export interface OpenHandsOptions {
  task: string;
  mode: string;
  sessionId?: string;
  persist?: boolean;
  timeout?: number;
}

/** Runs the stand-in agent: "crash" in the task throws, "fail" returns success: false. */
export async function runOpenHandsAgent(options: OpenHandsOptions): Promise<OpenHandsResult> {
  await Promise.resolve();
  if (/crash/i.test(options.task)) throw new Error("Agent process crashed");
  if (/fail/i.test(options.task)) {
    return {
      success: false,
      output: "",
      error: "Tests are still failing",
      tools_used: ["bash"],
      learnings_captured: false,
    };
  }
  return {
    success: true,
    output: `Done: ${options.task}`,
    tools_used: ["bash", "edit"],
    learnings_captured: true,
  };
}

/** Runs the agent again on a stored session's task and mode (what both resume flows do). */
export function rerunAgent(
  sessionId: string,
  context: { task: string; mode: string },
): Promise<OpenHandsResult> {
  return runOpenHandsAgent({ task: context.task, mode: context.mode, sessionId, persist: true });
}
