// A child process for the inbox tests, on the same storage as its parent.
// argv[2]: JSON {adapter, dir, namespace, pgUrl, mode, sessionId?, count?, startAt?, tag?}
//   mode "respond": at `startAt` (epoch ms, a shared start gate), `count` concurrent responses to
//     request "go" of `sessionId`; prints one JSON line [{ first, answer }].
//   mode "ask": starts 3 sessions with open requests, prints the inbox as it sees it, then waits
//     (the parent SIGKILLs it).
import { createSessionManager } from "@sessionkit/core";
import { openChildStore } from "./child-store.mjs";

const args = JSON.parse(process.argv[2]);
const { mode, sessionId, count, startAt, tag } = args;

const store = await openChildStore(args, { pgMax: 4 });
const manager = createSessionManager({ store, maxCommitRetries: 1000 });
if (mode === "respond") {
  await store.get(sessionId);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      manager.respond(sessionId, "go", { action: i % 2 ? "accept" : "ignore" }, { by: `${tag}-${i}` }),
    ),
  );
  await manager.close();
  await store.close();
  process.stdout.write(`${JSON.stringify(results.map(({ first, answer }) => ({ first, answer })))}\n`);
} else {
  for (let i = 0; i < 3; i++) {
    const s = await manager.start({ task: `ask ${i}`, mode: "m", userId: "alice" });
    await manager.requestInput(s.id, {
      requestId: `q${i}`,
      kind: "question",
      prompt: `Question ${i}?`,
      tags: ["t"],
    });
  }
  process.stdout.write(`${JSON.stringify(await store.listAwaitingInput({}))}\n`);
  setInterval(() => {}, 1 << 30);
}
