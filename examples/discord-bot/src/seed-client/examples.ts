// The bot's session flows as its `examples.ts` wrote them against the seed's `manager.ts`. Only
// the import line differs: `from "./manager.js"` became `from "@sessionkit/store-fs/compat/manager"`,
// so `cleanupOldSessions(30)` still means 30 days.
import {
  cleanupOldSessions,
  completeSession,
  failSession,
  getActiveSessions,
  getSessionContext,
  incrementIteration,
  pauseSession,
  recordLearning,
  recordToolCall,
  resumeSession,
  startSession,
} from "@sessionkit/store-fs/compat/manager";
import { type OpenHandsResult, rerunAgent, runOpenHandsAgent } from "./openhands-agent.js";

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Start → iteration → the agent's tool calls → a learning → complete (or fail). */
export async function runOpenHandsWithSession(
  task: string,
  mode: string,
  userId?: string,
  channelId?: string,
): Promise<OpenHandsResult> {
  const session = await startSession(task, mode, {
    userId,
    channelId,
    maxIterations: 50,
    metadata: { enableLearning: true },
  });
  try {
    await incrementIteration(session.id, { phase: "initialization" });
    const result = await runOpenHandsAgent({
      task,
      mode,
      timeout: 600,
      persist: true,
      sessionId: session.id,
    });
    for (const tool of result.tools_used) await recordToolCall(session.id, tool, {}, {});
    if (result.learnings_captured) {
      await recordLearning(session.id, "Agent learned from execution", `expertise/${mode}.md`);
    }
    if (result.success) await completeSession(session.id, result.output);
    else await failSession(session.id, result.error || "Unknown error");
    return result;
  } catch (error) {
    await failSession(session.id, message(error));
    throw error;
  }
}

/** Two steps with a pause for review in between when `pauseForReview` (the seed rolled a die). */
export async function runMultiStepWorkflow(
  task: string,
  userId: string,
  pauseForReview: boolean,
): Promise<string> {
  const session = await startSession(task, "developer", { userId, maxIterations: 100 });
  try {
    await incrementIteration(session.id, { step: "analysis" });
    const analysis = await runOpenHandsAgent({
      task: `Analyze the requirements: ${task}`,
      mode: "developer",
    });
    if (!analysis.success) throw new Error("Analysis failed");
    if (pauseForReview) {
      await pauseSession(session.id, "User requested review of analysis");
      return `Paused after analysis. Session ID: ${session.id}`;
    }
    await incrementIteration(session.id, { step: "implementation" });
    const done = `Analysis: ${analysis.output}`;
    await completeSession(session.id, done);
    return done;
  } catch (error) {
    await failSession(session.id, message(error));
    throw error;
  }
}

/** Resumes a paused workflow in a later call and finishes it. */
export async function resumeMultiStepWorkflow(sessionId: string): Promise<string> {
  const session = await resumeSession(sessionId);
  if (!session) throw new Error(`Session ${sessionId} not found or not resumable`);
  const context = getSessionContext(sessionId);
  try {
    await incrementIteration(sessionId, { step: "implementation", from: context?.iterations });
    const implementation = await runOpenHandsAgent({ task: "Continue implementation", mode: "developer" });
    if (!implementation.success) throw new Error("Implementation failed");
    await incrementIteration(sessionId, { step: "testing" });
    const finalResult = `Implementation: ${implementation.output}`;
    await completeSession(sessionId, finalResult);
    return finalResult;
  } catch (error) {
    await failSession(sessionId, message(error));
    throw error;
  }
}

/** Lists active sessions and cleans up finished ones older than 30 days; returns how many went. */
export function monitorSessions(): { active: number; cleaned: number } {
  const active = getActiveSessions().length;
  const cleaned = cleanupOldSessions(30);
  return { active, cleaned };
}

/**
 * The seed's `SessionAwareAgent` (a factory here). `execute` fails the session in its `try` and
 * again in its `catch` on an agent error, as the seed's did; the second call changes nothing.
 */
export function createSessionAwareAgent(userId?: string, channelId?: string) {
  async function finish(sessionId: string, result: OpenHandsResult): Promise<string> {
    if (result.success) {
      await completeSession(sessionId, result.output);
      return result.output;
    }
    await failSession(sessionId, result.error || "Failed");
    throw new Error(result.error || "Failed");
  }

  return {
    async execute(task: string, mode: string): Promise<string> {
      const session = await startSession(task, mode, { userId, channelId, maxIterations: 50 });
      try {
        const result = await runOpenHandsAgent({ task, mode, sessionId: session.id, persist: true });
        return await finish(session.id, result);
      } catch (error) {
        await failSession(session.id, message(error));
        throw error;
      }
    },
    async pause(sessionId: string, reason?: string): Promise<void> {
      await pauseSession(sessionId, reason);
    },
    async resume(sessionId: string): Promise<string> {
      const context = getSessionContext(sessionId);
      if (!context) throw new Error(`Session ${sessionId} not found`);
      await resumeSession(sessionId);
      const result = await rerunAgent(sessionId, context);
      return finish(sessionId, result);
    },
    getActiveSessions() {
      return getActiveSessions({ userId, channelId });
    },
  };
}
