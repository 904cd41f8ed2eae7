// A stand-in for the bot's agent runner (the seed called runOpenHandsAgent): it "works" through a
// few steps, reporting each one, and succeeds, fails or throws depending on the task text.

/** Runs the stand-in agent: `onStep(step)` is awaited after each step. */
export async function runStandInAgent({ task, steps = 3, onStep = async () => {} }) {
  for (let step = 1; step <= steps; step++) {
    await onStep({ step, note: `step ${step} of ${steps}` });
  }
  if (/crash/i.test(task)) throw new Error("Agent process crashed");
  if (/fail/i.test(task)) return { success: false, output: "", error: "Tests are still failing" };
  return { success: true, output: `Done: ${task}` };
}
