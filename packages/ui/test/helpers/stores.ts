import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createManualClock, createMemoryStore, type ManualClock, type SessionStore } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { createPostgresStore } from "@sessionkit/store-postgres";
import { createSqliteStore } from "@sessionkit/store-sqlite";
// The PostgreSQL store's own test environment (server URL, reachability probe, schema clean-up), so
// both packages agree on which server they test against and why it is skipped.
import { dropSchemas, PG_URL, uniqueSchema, unreachableReason } from "../../../store-postgres/test/pg-env.js";

export type StoreKind = "fs" | "sqlite" | "postgres" | "memory";

/** Why PostgreSQL cannot be reached here (null when it can). */
export const postgresProblem = unreachableReason;

/** A real store of the given kind in a fresh temporary directory, with a manual clock for seeding. */
export interface TestStore {
  kind: StoreKind;
  store: SessionStore;
  clock: ManualClock;
  /**
   * What another process opens the same store with: the directory (fs), the database file (sqlite),
   * the schema (postgres, on PG_URL); null for memory.
   */
  location: string | null;
  dispose(): Promise<void>;
}

function open(kind: StoreKind, location: string | null, clock: ManualClock): SessionStore {
  if (kind === "fs") return createFsStore({ dir: location!, clock });
  if (kind === "sqlite") return createSqliteStore({ filename: location!, clock });
  if (kind === "postgres")
    return createPostgresStore({ connectionString: PG_URL, max: 4 }, { schema: location!, clock });
  return createMemoryStore({ clock });
}

export function openTestStore(kind: StoreKind): TestStore {
  const dir = mkdtempSync(join(tmpdir(), `sessionkit-ui-${kind}-`));
  const clock = createManualClock();
  const location = {
    fs: join(dir, "sessions"),
    sqlite: join(dir, "sessions.db"),
    postgres: uniqueSchema("sk_ui"),
    memory: null,
  }[kind];
  const store = open(kind, location, clock);
  return {
    kind,
    store,
    clock,
    location,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      if (kind === "postgres") await dropSchemas([location!]);
    },
  };
}

/** Appends `count` events to a session in commits of 500, cycling through a few types. */
export async function appendMany(store: SessionStore, id: string, count: number): Promise<void> {
  const types = ["tool_call", "learning", "note", "iteration"];
  for (let done = 0; done < count; done += 500) {
    const events = [];
    for (let i = done; i < Math.min(count, done + 500); i++) {
      const type = types[i % types.length]!;
      events.push({
        type,
        data:
          type === "tool_call"
            ? { tool: "read_file", args: { path: `src/file-${i}.ts` }, result: { bytes: i } }
            : type === "learning"
              ? { insight: `insight number ${i}` }
              : { n: i, summary: `bulk ${i}` },
      });
    }
    await store.commit(id, { events });
  }
}
