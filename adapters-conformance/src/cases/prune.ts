import assert from "node:assert/strict";
import type { SessionStatus } from "@sessionkit/core";
import { expectCode, expectDeepEqual, expectEqual, freshId, input, iso } from "../assertions.js";
import type { CaseDefinition } from "../case.js";

const ALL: SessionStatus[] = ["active", "paused", "completed", "failed", "timeout"];

/** SS-CL: prune and cleanup. */
export const pruneCases: CaseDefinition[] = [
  {
    id: "SS-CL-01",
    group: "SS-CL",
    title:
      "prune removes terminal sessions with updatedAt strictly before the cutoff; the boundary itself is kept",
    async run({ open, ctx }) {
      const store = await open();
      const made: Record<string, { id: string; status: SessionStatus; at: number }> = {};
      for (const offset of [-2, -1, 0, 1]) {
        for (const status of ALL) {
          ctx.clock.set(Date.parse("2026-06-01T00:00:00.000Z") + offset);
          const id = freshId(`${status}${offset + 2}`);
          await store.create(input({ id, status }));
          made[id] = { id, status, at: offset };
        }
      }
      const cutoff = "2026-06-01T00:00:00.000Z";
      const expected = Object.values(made)
        .filter((m) => m.at < 0 && ["completed", "failed", "timeout"].includes(m.status))
        .map((m) => m.id)
        .sort();
      for (const form of [cutoff, Date.parse(cutoff), new Date(cutoff)]) {
        const dry = await store.prune({ olderThan: form, dryRun: true });
        assert.deepStrictEqual(
          dry,
          { count: expected.length, ids: expected, dryRun: true },
          `dry run with cutoff ${String(form)}`,
        );
      }
      const result = await store.prune({ olderThan: cutoff });
      expectDeepEqual(result, { count: expected.length, ids: expected, dryRun: false }, "result");
      for (const m of Object.values(made)) {
        assert.equal((await store.get(m.id)) === null, expected.includes(m.id), `${m.status} at ${m.at} ms`);
      }
      expectEqual(await store.count(), Object.keys(made).length - expected.length, "store.count()");
    },
  },
  {
    id: "SS-CL-02",
    group: "SS-CL",
    title: "prune honours statuses (active and paused too when asked) and only those",
    async run({ open, ctx }) {
      const store = await open();
      const ids = new Map<SessionStatus, string>();
      for (const status of ALL) {
        const id = freshId(status);
        ids.set(status, id);
        await store.create(input({ id, status }));
      }
      ctx.clock.advance(1000);
      const result = await store.prune({ olderThan: iso(ctx.clock.now()), statuses: ["paused", "failed"] });
      expectDeepEqual(result.ids, [ids.get("paused")!, ids.get("failed")!].sort(), "result.ids");
      expectEqual(await store.count(), 3, "store.count()");
      const all = await store.prune({ olderThan: iso(ctx.clock.now()), statuses: ALL });
      expectEqual(all.count, 3, "all.count");
      expectEqual(await store.count(), 0, "store.count()");
    },
  },
  {
    id: "SS-CL-03",
    group: "SS-CL",
    title: "dryRun reports exactly what a real run removes and deletes nothing",
    async run({ open, ctx }) {
      const store = await open();
      for (let k = 0; k < 12; k++) {
        ctx.clock.advance(100);
        await store.create(input({ id: freshId(), status: k % 2 === 0 ? "completed" : "timeout" }), {
          events: [{ type: "e" }],
        });
      }
      const cutoff = iso(ctx.clock.now() - 450);
      const before = await store.list({ limit: 100 });
      const dry = await store.prune({ olderThan: cutoff, dryRun: true });
      assert.deepStrictEqual(await store.list({ limit: 100 }), before, "a dry run changed the store");
      expectEqual(await store.stats().then((s) => s.events), 12, "store.stats().then((s) => s.events)");
      const real = await store.prune({ olderThan: cutoff });
      expectDeepEqual(real.ids, dry.ids, "real.ids");
      expectEqual(real.count, 7, "real.count");
    },
  },
  {
    id: "SS-CL-04",
    group: "SS-CL",
    title: "pruned sessions take their history with them: readEvents fails and a re-created id starts empty",
    async run({ open, ctx }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id, status: "completed" }), {
        events: [{ type: "start" }, { type: "complete" }],
      });
      ctx.clock.advance(5);
      expectDeepEqual(
        (await store.prune({ olderThan: iso(ctx.clock.now()) })).ids,
        [id],
        "(await store.prune({ olderThan: iso(ctx.clock.now()) })).ids",
      );
      await expectCode(store.readEvents(id), "ERR_SESSION_NOT_FOUND", "readEvents of a pruned session");
      expectEqual((await store.stats()).events, 0, "(await store.stats()).events");
      await store.create(input({ id }));
      expectDeepEqual(await store.readEvents(id), [], "store.readEvents(id)");
    },
  },
  {
    id: "SS-CL-05",
    group: "SS-CL",
    title:
      "edge cutoffs: far future removes every terminal session, epoch 0 nothing, an empty store returns 0; bad input refused",
    async run({ open }) {
      const store = await open();
      expectDeepEqual(
        await store.prune({ olderThan: "2100-01-01T00:00:00.000Z" }),
        {
          count: 0,
          ids: [],
          dryRun: false,
        },
        'store.prune({ olderThan: "2100-01-01T00:00:00.000Z" })',
      );
      for (const status of ALL) await store.create(input({ id: freshId(), status }));
      expectEqual(
        (await store.prune({ olderThan: 0 })).count,
        0,
        "(await store.prune({ olderThan: 0 })).count",
      );
      expectEqual(
        (await store.prune({ olderThan: "2100-01-01T00:00:00.000Z" })).count,
        3,
        '(await store.prune({ olderThan: "2100-01-01T00:00:00.000Z" })).count',
      );
      expectEqual(await store.count(), 2, "store.count()");
      for (const bad of [
        { olderThan: "soon" },
        { olderThan: "2100-01-01", statuses: [] },
        { olderThan: 0, statuses: ["gone"] },
        {},
      ]) {
        await expectCode(store.prune(bad as never), "ERR_INVALID_INPUT", `prune(${JSON.stringify(bad)})`);
      }
      expectEqual(await store.count(), 2, "store.count()");
    },
  },
  {
    id: "SS-CL-06",
    group: "SS-CL",
    title: "delete and prune leave no orphan artifacts in storage",
    requires: ["inspect"],
    async run({ open, harness, ctx }) {
      const store = await open();
      const empty = (await harness.inspect!(ctx)).sort();
      const ids = Array.from({ length: 6 }, (_, k) => freshId(`orph${k}`));
      for (const id of ids)
        await store.create(input({ id, status: "completed" }), { events: [{ type: "a" }, { type: "b" }] });
      for (const id of ids) await store.commit(id, { events: [{ type: "c" }] });
      const full = await harness.inspect!(ctx);
      for (const id of ids)
        assert.ok(
          full.some((entry) => entry.includes(id)),
          `inspect() does not show ${id}; it must list what is stored`,
        );
      for (const id of ids.slice(0, 3)) await store.delete(id);
      ctx.clock.advance(10);
      await store.prune({ olderThan: iso(ctx.clock.now()) });
      const after = (await harness.inspect!(ctx)).sort();
      const orphans = after.filter((entry) => ids.some((id) => entry.includes(id)));
      assert.deepStrictEqual(orphans, [], "artifacts of removed sessions remain");
      assert.deepStrictEqual(after, empty, "storage differs from its empty state");
    },
  },
  {
    id: "SS-CL-07",
    group: "SS-CL",
    title:
      "prune racing a commit on an old session: fully removed with its history, or fully kept with the new event (× iterations)",
    async run(env) {
      const store = await env.open();
      for (let round = 0; round < env.iterations; round++) {
        const id = freshId("pr");
        await store.create(input({ id, status: "completed" }), { events: [{ type: "complete" }] });
        env.ctx.clock.advance(10);
        const cutoff = iso(env.ctx.clock.now());
        env.ctx.clock.advance(10);
        const [pruned, committed] = await env.startTogether<unknown>(2, (w) =>
          w === 0 ? store.prune({ olderThan: cutoff }) : store.commit(id, { events: [{ type: "late" }] }),
        );
        const session = await store.getWithHistory(id);
        if (session === null) {
          assert.equal(
            committed!.status,
            "rejected",
            `round ${round}: the commit succeeded but the session is gone`,
          );
          await expectCode(store.readEvents(id), "ERR_SESSION_NOT_FOUND", "events of a pruned session");
        } else {
          expectEqual(
            committed!.status,
            "fulfilled",
            `round ${round}: the session was kept, so the racing commit`,
          );
          expectDeepEqual(
            session.history.map((event) => event.type),
            ["complete", "late"],
            `round ${round}: history of the kept session`,
          );
          expectDeepEqual(
            (pruned as PromiseFulfilledResult<{ ids: string[] }>).value?.ids,
            [],
            `round ${round}: ids prune reported while the session was kept`,
          );
        }
        await store.delete(id);
      }
    },
  },
];
