// The workflow: five steps an agent works through. Each step records what an agent runtime
// records (an iteration, tool calls, a learning) and saves where it is in the session's context,
// so any process can pick it up from the store alone.

/** The steps, in order; the workflow pauses for review after `plan`. */
export const STEPS = ["analyse", "plan", "implement", "test", "document"];
export const REVIEW_AFTER = "plan";

/** What each step "does": a stand-in for an agent's tool calls, deterministic for the demo. */
const WORK = {
  analyse: { tool: "read_files", args: { glob: "src/**/*.ts" }, result: { files: 42 } },
  plan: { tool: "write_file", args: { path: "PLAN.md" }, result: { bytes: 1840 } },
  implement: { tool: "apply_patch", args: { files: 3 }, result: { linesAdded: 120, linesRemoved: 35 } },
  test: { tool: "bash", args: { command: "npm test" }, result: { exitCode: 0, passed: 57 } },
  document: { tool: "write_file", args: { path: "CHANGELOG.md" }, result: { bytes: 312 } },
};

/** Starts the task as a new session. */
export async function startTask(manager, task) {
  return manager.start({
    task,
    mode: "developer",
    userId: "user123",
    channelId: "channel456",
    maxIterations: 20,
    context: { completedSteps: [], nextStep: STEPS[0] },
  });
}

/**
 * Runs steps from the session's saved `nextStep` until it is done or reaches `stopAfter`
 * (then pauses with a reason). Returns the session's final state.
 */
export async function runSteps(manager, sessionId, { stopAfter } = {}) {
  for (;;) {
    const ctx = await manager.getContext(sessionId);
    if (!ctx) throw new Error(`Session ${sessionId} not found`);
    const step = ctx.context.nextStep;
    if (step === null || step === undefined) {
      const done = ctx.context.completedSteps;
      return manager.complete(sessionId, `All ${done.length} steps done: ${done.join(", ")}`);
    }
    const work = WORK[step];
    await manager.incrementIteration(sessionId, { step });
    await manager.recordToolCall(sessionId, work.tool, work.args, work.result);
    if (step === "test")
      await manager.recordLearning(sessionId, "Run the tests before documenting", "expertise/developer.md");
    const completedSteps = [...ctx.context.completedSteps, step];
    const nextStep = STEPS[STEPS.indexOf(step) + 1] ?? null;
    await manager.updateContext(sessionId, { completedSteps, nextStep });
    if (step === stopAfter && nextStep !== null) {
      return manager.pause(sessionId, `Waiting for review after the ${step} step`);
    }
  }
}
