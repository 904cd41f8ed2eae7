import assert from "node:assert/strict";
import { createSessionManager, type SessionStore } from "@sessionkit/core";
import { codeOf, expectDeepEqual, expectEqual } from "../assertions.js";
import type { CaseDefinition } from "../case.js";

/** The inbox the oracle expects: sessions with open requests, newest first, with their request ids. */
async function oracle(store: SessionStore, ids: string[], keep: (requestTags: string[]) => boolean) {
  const rows: Array<{ id: string; requests: string[] }> = [];
  for (const id of ids) {
    const s = await store.get(id);
    const open = (s?.inputRequests ?? []).filter((r) => keep(r.tags ?? []));
    if (s && (s.status === "active" || s.status === "paused") && open.length > 0)
      rows.push({ id: s.id, requests: open.map((r) => r.requestId) });
  }
  return rows.reverse();
}

async function walk(store: SessionStore, query: Record<string, unknown>) {
  const rows: Array<{ id: string; requests: string[] }> = [];
  let cursor: string | null = null;
  do {
    const page = await store.listAwaitingInput({ ...query, limit: 4, cursor });
    for (const item of page.items)
      rows.push({ id: item.session.id, requests: item.requests.map((r) => r.requestId) });
    cursor = page.nextCursor;
  } while (cursor !== null);
  return rows;
}

/** Damage SS-IN-04 applies (SQLite keeps a record that is not JSON in its inbox index since schema 12). */
const INBOX_DAMAGE = ["truncate", "garbage", "wrong-type"] as const;

/** SS-IN: the awaiting-input inbox; SS-HOLD: legal holds on every delete path. */
export const inboxCases: CaseDefinition[] = [
  {
    id: "SS-IN-01",
    group: "SS-IN",
    title:
      "listAwaitingInput lists exactly the sessions with open requests, in the list order, across pages, against an oracle",
    async run({ open, ctx }) {
      const store = await open();
      const manager = createSessionManager({ store, clock: ctx.clock });
      const ids: string[] = [];
      for (let i = 0; i < 18; i++) {
        const s = await manager.start({ task: `t${i}`, mode: "m", userId: `u${i % 2}` });
        ids.push(s.id);
        if (i % 3 !== 0)
          await manager.requestInput(s.id, {
            requestId: `r${i}`,
            kind: "approval",
            prompt: "?",
            tags: [i % 2 ? "odd" : "even"],
          });
        ctx.clock.advance(1000);
      }
      await manager.respond(ids[1]!, "r1", { action: "accept" });
      await manager.fail(ids[2]!, "gone");
      expectDeepEqual(await walk(store, {}), await oracle(store, ids, () => true), "the whole inbox");
      expectDeepEqual(
        await walk(store, { tag: "odd" }),
        await oracle(store, ids, (t) => t.includes("odd")),
        "tag odd",
      );
      const mine = await oracle(
        store,
        ids.filter((_, i) => i % 2 === 1),
        () => true,
      );
      expectDeepEqual(await walk(store, { userId: "u1" }), mine, "userId u1");
    },
  },
  {
    id: "SS-IN-02",
    group: "SS-IN",
    title:
      "respond resolves a request exactly once under 50 concurrent responders on two handles; every caller gets the first answer",
    requires: ["multiHandle", "reopen"],
    async run({ open, reopen, ctx, startTogether }) {
      const a = createSessionManager({ store: await open(), clock: ctx.clock });
      const b = createSessionManager({ store: await reopen(), clock: ctx.clock });
      for (let round = 0; round < 3; round++) {
        const s = await a.start({ task: `t${round}`, mode: "m" });
        await a.requestInput(s.id, { requestId: "go", kind: "approval", prompt: "Go?" });
        const settled = await startTogether(50, (i) =>
          (i % 2 ? a : b).respond(s.id, "go", { action: i % 3 ? "accept" : "ignore" }, { by: `u${i}` }),
        );
        const results = settled.map((r, i) => {
          assert.equal(
            r.status,
            "fulfilled",
            `round ${round}: responder ${i} failed: ${String((r as PromiseRejectedResult).reason)}`,
          );
          return (r as PromiseFulfilledResult<Awaited<ReturnType<typeof a.respond>>>).value;
        });
        expectEqual(results.filter((r) => r.first).length, 1, `round ${round}: resolutions`);
        const first = results.find((r) => r.first)!.answer;
        for (const r of results) expectDeepEqual(r.answer, first, `round ${round}: every caller's answer`);
        const events = (await a.getWithHistory(s.id))!.history.filter((e) => e.type === "input_received");
        expectEqual(events.length, 1, `round ${round}: input_received events`);
      }
    },
  },
  {
    id: "SS-IN-03",
    group: "SS-IN",
    title: "open requests survive close and reopen: the inbox lists exactly the same requests",
    requires: ["persistent", "reopen"],
    async run({ open, reopen, ctx }) {
      const store = await open();
      const manager = createSessionManager({ store, clock: ctx.clock });
      const s = await manager.start({ task: "t", mode: "m" });
      await manager.requestInput(s.id, {
        requestId: "approve",
        kind: "approval",
        prompt: "Merge?",
        payload: { pr: 7 },
        expiresAt: "2099-01-01T00:00:00.000Z",
      });
      const before = await store.listAwaitingInput({});
      const again = await reopen();
      expectDeepEqual(await again.listAwaitingInput({}), before, "the inbox after reopen");
      expectDeepEqual(
        (await again.get(s.id))?.inputRequests,
        (await store.get(s.id))?.inputRequests,
        "the stored requests",
      );
    },
  },
  {
    id: "SS-IN-04",
    group: "SS-IN",
    title:
      "a damaged record awaiting input is skipped by listAwaitingInput and reported in page.corrupt by id (as list does); the readable ones are listed",
    requires: ["corrupt"],
    async run({ open, harness, ctx }) {
      const store = await open();
      const manager = createSessionManager({ store, clock: ctx.clock });
      const ask = (id: string, requestId: string) =>
        manager.requestInput(id, { requestId, kind: "approval", prompt: "?", tags: ["t"] });
      const healthy = await manager.start({ task: "healthy", mode: "m", userId: "u" });
      await ask(healthy.id, "ok");
      for (const kind of INBOX_DAMAGE) {
        ctx.clock.advance(1000);
        const damaged = await manager.start({ task: kind, mode: "m", userId: "u" });
        await ask(damaged.id, "lost");
        await harness.corrupt!(ctx, damaged.id, kind);
        for (const query of [{}, { userId: "u" }, { tag: "t" }]) {
          const what = `${kind}, query ${JSON.stringify(query)}`;
          const page = await store.listAwaitingInput(query);
          expectDeepEqual(
            page.items.map((item) => item.session.id),
            [healthy.id],
            `${what}: the items`,
          );
          expectDeepEqual(
            page.corrupt.filter((entry) => entry.id === damaged.id).map((entry) => entry.code),
            ["ERR_CORRUPT_RECORD"],
            `${what}: page.corrupt names the damaged record`,
          );
        }
        assert.equal(await store.delete(damaged.id), true, `${kind}: the damaged record is deletable`);
        expectDeepEqual((await store.listAwaitingInput({})).corrupt, [], `${kind}: corrupt after its delete`);
      }
    },
  },
  {
    id: "SS-HOLD-01",
    group: "SS-HOLD",
    title:
      "every delete path on a held session, every store: refused with ERR_SESSION_HELD or skipped, the session intact; once unheld it can be deleted",
    async run({ open, ctx, capabilities }) {
      const store = await open();
      const manager = createSessionManager({ store, clock: ctx.clock });
      const s = await manager.start({ task: "held", mode: "m" });
      await manager.complete(s.id, "ok");
      await manager.hold(s.id, { reason: "litigation", by: "legal" });
      const intact = await store.getWithHistory(s.id);
      const { history, ...session } = intact!;
      ctx.clock.advance(40 * 86_400_000);
      const future = new Date(ctx.clock.now() + 86_400_000).toISOString();
      const refused = async (what: string, run: () => Promise<unknown>) => {
        let error: unknown;
        try {
          await run();
        } catch (caught) {
          error = caught;
        }
        expectEqual(codeOf(error), "ERR_SESSION_HELD", what);
      };
      await refused("store.delete(id)", () => store.delete(s.id));
      await refused("store.delete(id, { expectedVersion })", () =>
        store.delete(s.id, { expectedVersion: intact!.version }),
      );
      await refused("manager.delete(id)", () => manager.delete(s.id));
      await refused("importSession(…, { overwrite: true })", () =>
        store.importSession(session, history, { overwrite: true }),
      );
      if (capabilities.sync) await refused("store.sync().delete(id)", async () => store.sync().delete(s.id));
      for (const dryRun of [true, false]) {
        const pruned = await store.prune({ olderThan: future, statuses: ["completed"], dryRun });
        assert.ok(!pruned.ids.includes(s.id), `prune (dryRun ${dryRun}) listed the held session`);
      }
      const cleaned = await manager.cleanup({ maxAgeDays: 1 });
      assert.ok(!cleaned.ids.includes(s.id), "manager.cleanup removed the held session");
      const retained = await manager.applyRetention({
        policies: [{ when: { olderThan: "1d" }, action: "delete" }],
      });
      assert.ok(
        retained.held.includes(s.id) && !retained.removed.includes(s.id),
        "retention removed the held session",
      );
      expectDeepEqual(await store.getWithHistory(s.id), intact, "the held session after every delete path");
      await manager.unhold(s.id, "legal");
      expectEqual(await store.delete(s.id), true, "delete after unhold");
      expectEqual(await store.get(s.id), null, "get after delete");
    },
  },
  {
    id: "SS-HOLD-02",
    group: "SS-HOLD",
    title:
      "importSession with overwrite racing a hold: the check and the overwrite are one step, so the hold is never lost (× rounds)",
    async run(env) {
      const store = await env.open();
      const manager = createSessionManager({ store, clock: env.ctx.clock });
      const outcomes = new Set<string>();
      for (let round = 0; round < 3 * env.iterations; round++) {
        const s = await manager.start({ task: `race ${round}`, mode: "m" });
        await manager.complete(s.id, "ok");
        const { history, ...session } = (await store.getWithHistory(s.id))!;
        const [held, imported] = await env.startTogether(2, async (side) =>
          side === 0
            ? manager.hold(s.id, { reason: "litigation", by: "legal" })
            : store.importSession(session, history, { overwrite: true }),
        );
        expectEqual(held!.status, "fulfilled", `round ${round}: the hold`);
        const after = (await store.getWithHistory(s.id))!;
        // Either the import replaced the session before the hold (which then committed onto the
        // imported state), or it was refused: never an imported state without the hold.
        assert.ok(after.hold !== undefined, `round ${round}: the hold was lost to the overwrite`);
        if (imported!.status === "rejected") {
          expectEqual(codeOf(imported!.reason), "ERR_SESSION_HELD", `round ${round}: the refused import`);
          expectEqual(after.version, session.version + 1, `round ${round}: version after the refused import`);
        }
        outcomes.add(imported!.status);
        await manager.unhold(s.id, "legal");
      }
      assert.ok(outcomes.size > 0, "no round ran");
    },
  },
];
