import assert from "node:assert/strict";
import type { SessionStats, SessionSummary } from "@sessionkit/core";
import { expectDeepEqual, expectEqual, freshId, input, iso, walk } from "../assertions.js";
import type { CaseDefinition } from "../case.js";
import { oracleMatches, seedDataset } from "./dataset.js";

/** The suite's own statistics oracle over summaries. */
export function oracleStats(rows: SessionSummary[]): SessionStats {
  const byStatus = { active: 0, paused: 0, completed: 0, failed: 0, timeout: 0 };
  const byMode: Record<string, number> = {};
  let iterations = 0;
  let events = 0;
  for (const row of rows) {
    byStatus[row.status] += 1;
    byMode[row.mode] = (byMode[row.mode] ?? 0) + 1;
    iterations += row.iterations;
    events += row.eventCount;
  }
  const total = rows.length;
  return {
    total,
    byStatus,
    byMode,
    averageIterations: total === 0 ? 0 : iterations / total,
    successRate: total === 0 ? 0 : (byStatus.completed / total) * 100,
    events,
  };
}

/** SS-ST: statistics. */
export const statsCases: CaseDefinition[] = [
  {
    id: "SS-ST-01",
    group: "SS-ST",
    title: "stats() of an empty store: every count zero, averages zero, byMode empty",
    async run({ open }) {
      const store = await open();
      expectDeepEqual(await store.stats(), oracleStats([]), "store.stats()");
      expectDeepEqual(await store.stats({ mode: "chat" }), oracleStats([]), 'store.stats({ mode: "chat" })');
    },
  },
  {
    id: "SS-ST-02",
    group: "SS-ST",
    title: "after a scripted mix of creates, commits and deletes, stats() equals the oracle exactly",
    async run({ open, ctx }) {
      const store = await open();
      const rows = await seedDataset(store, ctx, 30, 21);
      const gone = rows.filter((_, k) => k % 7 === 0);
      for (const row of gone) await store.delete(row.id);
      const left = rows.filter((row) => !gone.includes(row));
      expectDeepEqual(await store.stats(), oracleStats(left), "store.stats()");
      expectEqual(await store.count(), left.length, "store.count()");
    },
  },
  {
    id: "SS-ST-03",
    group: "SS-ST",
    title: "stats() and count() with filters agree with the oracle and with a full list walk",
    async run({ open, ctx }) {
      const store = await open();
      const rows = await seedDataset(store, ctx, 30, 33);
      const filters = [
        {},
        { mode: "chat" },
        { status: ["completed", "failed"] as never },
        { userId: "alice" },
        { metadata: { tier: "gold" } },
        { createdAfter: rows[10]!.createdAt },
      ];
      for (const filter of filters) {
        const expected = rows.filter((row) => oracleMatches(row, filter));
        assert.deepStrictEqual(
          await store.stats(filter),
          oracleStats(expected),
          `stats(${JSON.stringify(filter)})`,
        );
        assert.equal(
          await store.count(filter),
          (await walk(store, filter, 7)).ids.length,
          `count vs walk ${JSON.stringify(filter)}`,
        );
      }
    },
  },
  {
    id: "SS-ST-04",
    group: "SS-ST",
    title: "after concurrent writers finish, stats() is exact (no drift in counters)",
    async run(env) {
      const store = await env.open();
      // A few rounds, so the seeded offsets give more than one interleaving.
      for (let round = 0; round < 3; round++) {
        const ids = Array.from({ length: 6 }, () => freshId("st"));
        for (const id of ids) await store.create(input({ id }));
        const outcomes = await env.startTogether(24, (k) =>
          store.commit(ids[k % ids.length]!, {
            patch: { iterations: k },
            events: [{ type: "a" }, { type: "b" }],
          }),
        );
        const failed = outcomes.filter((outcome) => outcome.status === "rejected").length;
        expectEqual(failed, 0, `round ${round}: unconditional commits refused (of 24)`);
        const stats = await store.stats();
        expectEqual(
          stats.total,
          6,
          `round ${round}: stats().total after 24 concurrent commits on 6 sessions`,
        );
        expectEqual(
          stats.events,
          48,
          `round ${round}: stats().events after 24 concurrent commits of 2 events (lower means lost or uncounted events)`,
        );
        const sessions = await Promise.all(ids.map((id) => store.get(id)));
        expectEqual(
          stats.averageIterations,
          sessions.reduce((sum, s) => sum + s!.iterations, 0) / 6,
          `round ${round}: stats().averageIterations against the sessions' own iterations`,
        );
        for (const id of ids) await store.delete(id);
      }
    },
  },
  {
    id: "SS-ST-05",
    group: "SS-ST",
    title: "stats() reflects commits, delete and prune immediately",
    async run({ open, ctx }) {
      const store = await open();
      const a = freshId();
      const b = freshId();
      await store.create(input({ id: a, mode: "x" }), { events: [{ type: "start" }] });
      await store.create(input({ id: b, mode: "y" }));
      await store.commit(a, {
        patch: { status: "completed", iterations: 4 },
        events: [{ type: "complete" }],
      });
      let stats = await store.stats();
      expectDeepEqual(
        [stats.total, stats.byStatus.completed, stats.events, stats.successRate, stats.averageIterations],
        [2, 1, 2, 50, 2],
        "[stats.total, stats.byStatus.completed, stats.events, stats.successRa…",
      );
      await store.delete(b);
      stats = await store.stats();
      expectDeepEqual(stats.byMode, { x: 1 }, "stats.byMode");
      ctx.clock.advance(10);
      await store.prune({ olderThan: iso(ctx.clock.now()) });
      expectDeepEqual(await store.stats(), oracleStats([]), "store.stats()");
    },
  },
];
