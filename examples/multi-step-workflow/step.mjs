// One process of the workflow. `node step.mjs start <dir>` starts the task, works until the
// review point, pauses and exits. `node step.mjs resume <dir> <id>` (a new process) reads the
// saved context, resumes and completes. The last stdout line is JSON for the orchestrator.
import { createSessionManager } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { REVIEW_AFTER, runSteps, startTask } from "./workflow.mjs";

const [command, dir, id] = process.argv.slice(2);
if (!dir || (command !== "start" && command !== "resume") || (command === "resume" && !id)) {
  console.error("usage: node step.mjs start <dir> | node step.mjs resume <dir> <sessionId>");
  process.exit(2);
}

const store = createFsStore({ dir });
const manager = createSessionManager({ store });
try {
  let session;
  if (command === "start") {
    const started = await startTask(manager, "Add rate limiting to the public API");
    session = await runSteps(manager, started.id, { stopAfter: REVIEW_AFTER });
  } else {
    if (!(await manager.isResumable(id))) throw new Error(`Session ${id} is not resumable`);
    const ctx = await manager.getContext(id);
    console.log(
      `  [pid ${process.pid}] saved context says: resume at step "${ctx.context.nextStep}" (${ctx.iterations}/${ctx.maxIterations})`,
    );
    await manager.resume(id);
    session = await runSteps(manager, id);
  }
  console.log(
    JSON.stringify({
      pid: process.pid,
      id: session.id,
      status: session.status,
      iterations: session.iterations,
    }),
  );
} finally {
  await manager.close();
  await store.close();
}
