import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestContext } from "@sessionkit/conformance";
import { createSessionManager, type SessionStore, systemClock } from "@sessionkit/core";
import { describe, expect, it } from "vitest";
import { PG_URL, repoAdapters } from "./adapters.js";

const CHILD = fileURLToPath(new URL("./retention-child.mjs", import.meta.url));
const adapters = (await repoAdapters()).filter((a) => ["fs", "sqlite", "postgres"].includes(a.name));
const POLICIES = [{ when: { olderThan: "7d" }, action: "delete" as const }];
const SESSIONS = 1500;

function storagePath(adapter: string, dir: string): string {
  return adapter === "fs" ? join(dir, "sessions") : adapter === "sqlite" ? join(dir, "sessions.sqlite") : dir;
}

/** Ids of every session the store holds. */
async function allIds(store: SessionStore): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.list({ limit: 500, cursor });
    ids.push(...page.items.map((s) => s.id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return ids.sort();
}

for (const adapter of adapters) {
  describe.skipIf(adapter.skip !== undefined)(`retention across processes: ${adapter.name}`, () => {
    it("SIGKILL half-way through applyRetention, then a re-run: the same sessions removed as one run would, as the dry run said", async () => {
      const handle = createTestContext(`retention-${adapter.name}`);
      try {
        const store = await adapter.create(handle.ctx);
        handle.ctx.onCleanup(() => store.close());
        // The suite's clock is months behind the real one the child runs on: all of these are old.
        for (let i = 0; i < SESSIONS; i++) {
          const status = i % 7 === 0 ? "active" : "completed";
          await store.create(
            { mode: "m", task: `t${i}`, status },
            { events: [{ type: "note", data: { i } }] },
          );
        }
        const manager = createSessionManager({ store, clock: systemClock });
        const dry = await manager.applyRetention({ dryRun: true, policies: POLICIES });
        const before = await allIds(store);
        const args = {
          adapter: adapter.name,
          dir: storagePath(adapter.name, handle.ctx.dir),
          namespace: handle.ctx.namespace,
          pgUrl: PG_URL,
        };
        const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        // Kill it once its first removals are visible, long before it can be done.
        let left = SESSIONS;
        while (left === SESSIONS) left = await store.count();
        child.kill("SIGKILL");
        await exited;
        const afterKill = await allIds(store);
        expect(afterKill.length).toBeGreaterThan(before.length - dry.removed.length);
        const rerun = await manager.applyRetention({ policies: POLICIES });
        const gone = before.filter((id) => !afterKill.includes(id));
        expect([...gone, ...rerun.removed].sort()).toEqual(dry.removed);
        expect(await allIds(store)).toEqual(before.filter((id) => !dry.removed.includes(id)));
        expect((await manager.applyRetention({ dryRun: true, policies: POLICIES })).removed).toEqual([]);
        await manager.close();
      } finally {
        expect(await handle.cleanup()).toEqual([]);
      }
    }, 300_000);
  });
}
