// Run as a separate process by the live-update test: opens the same store by its location, appends
// one event through the manager, and exits.
// `node append-child.mjs fs|sqlite|postgres <dir | file | schema> <id> <type>` (postgres: on PG_URL)
import { createSessionManager } from "@sessionkit/core";

const [kind, location, id, type = "probe"] = process.argv.slice(2);
const PG_URL = process.env.SESSIONKIT_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const store =
  kind === "fs"
    ? (await import("@sessionkit/store-fs")).createFsStore({ dir: location })
    : kind === "sqlite"
      ? (await import("@sessionkit/store-sqlite")).createSqliteStore({ filename: location })
      : (await import("@sessionkit/store-postgres")).createPostgresStore(
          { connectionString: PG_URL, max: 1 },
          { schema: location },
        );
const manager = createSessionManager({ store });
const session = await manager.addEvent(id, type, { from: "another process", pid: process.pid });
await store.close();
console.log(`appended ${type} as event ${session.eventCount}`);
