// Run as a separate process by the live-update test: opens the same store by its location, appends
// one event through the manager, and exits. `node append-child.mjs fs|sqlite <dir-or-file> <id> <type>`
import { createSessionManager } from "@sessionkit/core";

const [kind, location, id, type = "probe"] = process.argv.slice(2);
const store =
  kind === "fs"
    ? (await import("@sessionkit/store-fs")).createFsStore({ dir: location })
    : (await import("@sessionkit/store-sqlite")).createSqliteStore({ filename: location });
const manager = createSessionManager({ store });
const session = await manager.addEvent(id, type, { from: "another process", pid: process.pid });
await store.close();
console.log(`appended ${type} as event ${session.eventCount}`);
