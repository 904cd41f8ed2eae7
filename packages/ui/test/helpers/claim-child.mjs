// Run as a separate process by the stuck-flag test: claims one session with a long lease, says so,
// and waits to be killed (kill -9), leaving a dead owner whose lease still runs.
// `node claim-child.mjs fs|sqlite <dir | database file> <id>`
import { createSessionManager } from "@sessionkit/core";

const [kind, location, id] = process.argv.slice(2);
const store =
  kind === "fs"
    ? (await import("@sessionkit/store-fs")).createFsStore({ dir: location })
    : (await import("@sessionkit/store-sqlite")).createSqliteStore({ filename: location });
const manager = createSessionManager({ store, ownership: { ownerId: "owner_child", leaseMs: 3_600_000 } });
await manager.claim(id);
console.log("claimed");
setInterval(() => {}, 60_000);
