// A child process for the retention tests, on the same storage as its parent.
// argv[2]: JSON {adapter, dir, namespace, pgUrl}: runs applyRetention (delete what is older than
// 7 days, by the real clock) and prints its result; the parent SIGKILLs it half-way.
import { createSessionManager } from "@sessionkit/core";
import { openChildStore } from "./child-store.mjs";

const args = JSON.parse(process.argv[2]);
const store = await openChildStore(args, { pgMax: 2 });
const manager = createSessionManager({ store });
const result = await manager.applyRetention({ policies: [{ when: { olderThan: "7d" }, action: "delete" }] });
process.stdout.write(`${JSON.stringify({ removed: result.removed.length })}\n`);
await manager.close();
await store.close();
