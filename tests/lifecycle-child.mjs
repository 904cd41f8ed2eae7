// A child process that runs manager operations against the same storage as its parent.
// argv[2]: JSON {adapter, dir, namespace, pgUrl, sessionId, count, tag}. Prints one JSON line of outcomes.
import { createSessionManager } from "@sessionkit/core";
import { openChildStore } from "./child-store.mjs";

const args = JSON.parse(process.argv[2]);
const { sessionId, count, tag } = args;

const store = await openChildStore(args, { fs: { durability: "none" } });
const manager = createSessionManager({ store, maxCommitRetries: 1000 });
const outcomes = [];
for (let i = 0; i < count; i++) {
  const call =
    i % 2 === 0
      ? manager.incrementIteration(sessionId, { tag, i })
      : manager.recordToolCall(sessionId, `${tag}-tool`, { i }, "ok");
  outcomes.push(
    await call.then(
      () => "ok",
      (error) => error.code ?? String(error),
    ),
  );
}
await manager.close();
await store.close();
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
