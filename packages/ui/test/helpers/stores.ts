import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createManualClock, createMemoryStore, type ManualClock, type SessionStore } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { createSqliteStore } from "@sessionkit/store-sqlite";

export type StoreKind = "fs" | "sqlite" | "memory";

/** A real store of the given kind in a fresh temporary directory, with a manual clock for seeding. */
export interface TestStore {
  kind: StoreKind;
  store: SessionStore;
  clock: ManualClock;
  /** The directory (fs) or database file (sqlite) another process opens; null for memory. */
  location: string | null;
  dispose(): Promise<void>;
}

export function openTestStore(kind: StoreKind): TestStore {
  const dir = mkdtempSync(join(tmpdir(), `sessionkit-ui-${kind}-`));
  const clock = createManualClock();
  const location =
    kind === "fs" ? join(dir, "sessions") : kind === "sqlite" ? join(dir, "sessions.db") : null;
  const store =
    kind === "fs"
      ? createFsStore({ dir: location!, clock })
      : kind === "sqlite"
        ? createSqliteStore({ filename: location!, clock })
        : createMemoryStore({ clock });
  return {
    kind,
    store,
    clock,
    location,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
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
