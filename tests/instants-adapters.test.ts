import { createTestContext } from "@sessionkit/conformance";
import type { SessionStore } from "@sessionkit/core";
import { afterEach, describe, expect, it } from "vitest";
import { type RepoAdapter, repoAdapters } from "./adapters.js";

// Issue 14 #7, #8, #13: instants a store cannot order as text, outside the JS date range, without
// an offset or on impossible dates are typed errors on every store, from core's one reader.

const adapters = await repoAdapters();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function open(adapter: RepoAdapter) {
  const handle = createTestContext(`inst-${adapter.name}`);
  const store = await adapter.create(handle.ctx);
  cleanups.push(() => handle.cleanup());
  cleanups.push(() => store.close());
  return { store, clock: handle.ctx.clock as { set(time: number | string): void; now(): number } };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    (value) => `resolved ${JSON.stringify(value).slice(0, 80)}`,
    (error: { code?: string; name?: string }) => error.code ?? `raw ${error.name}`,
  );
}

const YEAR_10000 = Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1;
/** Bounds no store can order as text, or JavaScript cannot represent. */
const UNORDERABLE: unknown[] = [
  9e15,
  -9e15,
  YEAR_10000,
  new Date(YEAR_10000),
  Date.UTC(-1, 0, 1),
  "+010000-01-01T00:00:00.000Z",
  "-000001-01-01T00:00:00.000Z",
  "9999-12-31T23:00:00-05:00",
];
/** Text that JavaScript reads leniently: in local time, or rolled over into another date. */
const AMBIGUOUS: unknown[] = [
  "2026-01-01T00:00:00",
  "2026-01-01T00:00",
  "2099-02-30",
  "2100-02-29",
  "2026-13-01",
  "2026-01-01T24:00:00Z",
  "2026-01-01T00:00:60Z",
  "2026-01-01 00:00:00Z",
  "2026-01-01T00:00:00+0200",
];

async function seeded(store: SessionStore) {
  const { session } = await store.create({ mode: "chat", task: "t", status: "completed" });
  return session;
}

for (const adapter of adapters) {
  describe.skipIf(adapter.skip !== undefined)(
    `${adapter.name}: instants${adapter.skip ? ` (skipped: ${adapter.skip})` : ""}`,
    () => {
      it("filter bounds outside years 0000-9999, without an offset or on impossible dates are ERR_INVALID_QUERY", async () => {
        const { store } = await open(adapter);
        await seeded(store);
        const seen: string[] = [];
        for (const bound of [...UNORDERABLE, ...AMBIGUOUS]) {
          for (const field of ["createdAfter", "createdBefore", "updatedAfter", "updatedBefore"]) {
            const filter = { [field]: bound };
            seen.push(`list ${field} ${String(bound)}: ${await codeOf(store.list(filter))}`);
            seen.push(`count ${field} ${String(bound)}: ${await codeOf(store.count(filter))}`);
          }
          seen.push(
            `stats ${String(bound)}: ${await codeOf(store.stats({ createdBefore: bound as string }))}`,
          );
        }
        expect(seen.filter((line) => !line.endsWith(": ERR_INVALID_QUERY"))).toEqual([]);
      });

      it("prune cutoffs outside years 0000-9999 or ambiguous are ERR_INVALID_INPUT, and nothing is deleted", async () => {
        const { store } = await open(adapter);
        const session = await seeded(store);
        const seen: string[] = [];
        for (const cutoff of [...UNORDERABLE, ...AMBIGUOUS]) {
          const outcome = await codeOf(store.prune({ olderThan: cutoff as string }));
          if (outcome !== "ERR_INVALID_INPUT") seen.push(`prune ${String(cutoff)}: ${outcome}`);
        }
        expect(seen).toEqual([]);
        expect((await store.get(session.id))?.version).toBe(1);
      });

      it("stored instants outside years 0000-9999 (imported, patched, from the clock) are ERR_INVALID_INPUT, nothing written", async () => {
        const { store, clock } = await open(adapter);
        const session = await seeded(store);
        const seen: string[] = [];
        for (const at of UNORDERABLE) {
          const full = await store.getWithHistory(session.id);
          const { history, ...copy } = full!;
          const imported = { ...copy, id: "session_imported", createdAt: at, updatedAt: at };
          seen.push(`import ${String(at)}: ${await codeOf(store.importSession(imported as never, history))}`);
          seen.push(
            `commit deadlineAt ${String(at)}: ${await codeOf(store.commit(session.id, { patch: { deadlineAt: at as string } }))}`,
          );
        }
        for (const at of [YEAR_10000, Date.UTC(-1, 0, 1)]) {
          clock.set(at);
          seen.push(`create at ${at}: ${await codeOf(store.create({ mode: "chat", task: "t" }))}`);
          seen.push(
            `commit at ${at}: ${await codeOf(store.commit(session.id, { events: [{ type: "x" }] }))}`,
          );
        }
        expect(seen.filter((line) => !line.endsWith(": ERR_INVALID_INPUT"))).toEqual([]);
        expect(await store.get("session_imported")).toBeNull();
        expect(await store.count()).toBe(1);
        expect(await store.getWithHistory(session.id)).toMatchObject({
          version: 1,
          eventCount: 0,
          history: [],
        });
      });

      it("the extreme instants are accepted, compared as instants and listed in order", async () => {
        const { store, clock } = await open(adapter);
        clock.set("0000-01-01T00:00:00.000Z");
        const first = (await store.create({ mode: "chat", task: "t", status: "completed" })).session;
        clock.set("9999-12-31T23:59:59.999Z");
        const last = (await store.create({ mode: "chat", task: "t", status: "completed" })).session;
        expect(last.createdAt).toBe("9999-12-31T23:59:59.999Z");
        expect((await store.list()).items.map((item) => item.id)).toEqual([last.id, first.id]);
        expect(await store.count({ createdBefore: "9999-12-31T23:59:59.999Z" })).toBe(2);
        expect(await store.count({ createdAfter: "9999-12-31T23:59:59.999Z" })).toBe(1);
        expect(await store.count({ createdBefore: "0000-01-01" })).toBe(1);
        // An offset is applied: 9999-12-31T23:59:59.999Z is 9999-12-31T22:59:59.999-01:00.
        expect(await store.count({ createdAfter: "9999-12-31T22:59:59.999-01:00" })).toBe(1);
        const pruned = await store.prune({ olderThan: "9999-12-31T23:59:59.999Z", dryRun: true });
        expect(pruned.ids).toEqual([first.id]);
      });
    },
  );
}
