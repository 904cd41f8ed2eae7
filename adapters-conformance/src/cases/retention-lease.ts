import assert from "node:assert/strict";
import {
  acquireRetentionLease,
  createSessionManager,
  RETENTION_LEASE,
  type SessionStore,
  systemClock,
} from "@sessionkit/core";
import { expectCode, expectDeepEqual, expectEqual } from "../assertions.js";
import type { CaseDefinition, CaseEnv } from "../case.js";
import { managerChild } from "./manager-helpers.js";

const DELETE_OLD = [{ when: { olderThan: "1d" }, action: "delete" as const }];

/** `count` completed sessions stamped by the suite's clock (months before the real one). */
async function completed(env: CaseEnv, store: SessionStore, count: number, label: string) {
  const manager = createSessionManager({ store, clock: env.ctx.clock });
  const ids: string[] = [];
  for (let k = 0; k < count; k++) {
    const s = await manager.start({ task: `${label} ${k}`, mode: "m" });
    await manager.complete(s.id, "done");
    ids.push(s.id);
  }
  await manager.close();
  return ids.sort();
}

async function present(store: SessionStore, ids: string[]): Promise<number> {
  let n = 0;
  for (const id of ids) if ((await store.get(id)) !== null) n += 1;
  return n;
}

/** SS-RL: store.swapLease, and the one-runner-at-a-time retention lease built on it. */
export const retentionLeaseCases: CaseDefinition[] = [
  {
    id: "SS-RL-01",
    group: "SS-RL",
    title:
      "swapLease is a compare-and-set: it stores only over the expected text, otherwise reports the text held; bad input is ERR_INVALID_INPUT",
    requires: ["namedLeases"],
    async run({ open, reopen, capabilities }) {
      const store = await open();
      expectDeepEqual(
        await store.swapLease("t", null, "a"),
        { swapped: true, current: "a" },
        "take a free lease",
      );
      expectDeepEqual(
        await store.swapLease("t", null, "b"),
        { swapped: false, current: "a" },
        "take a held lease",
      );
      expectDeepEqual(
        await store.swapLease("t", "x", "b"),
        { swapped: false, current: "a" },
        "swap from a wrong text",
      );
      expectDeepEqual(
        await store.swapLease("t", "a", "b"),
        { swapped: true, current: "b" },
        "swap from the right text",
      );
      expectDeepEqual(
        await store.swapLease("u", null, null),
        { swapped: true, current: null },
        "another name is free",
      );
      if (capabilities.persistent) {
        const again = await reopen();
        expectDeepEqual(
          await again.swapLease("t", null, "c"),
          { swapped: false, current: "b" },
          "after reopen",
        );
      }
      expectDeepEqual(await store.swapLease("t", "b", null), { swapped: true, current: null }, "remove it");
      expectDeepEqual(
        await store.swapLease("t", "b", "c"),
        { swapped: false, current: null },
        "swap a removed lease",
      );
      await expectCode(
        store.swapLease("../x", null, "a"),
        "ERR_INVALID_INPUT",
        "a lease name with a path in it",
      );
      await expectCode(store.swapLease("t", null, ""), "ERR_INVALID_INPUT", "an empty lease text");
      expectDeepEqual(
        await store.swapLease("t", null, null),
        { swapped: true, current: null },
        "nothing was stored",
      );
    },
  },
  {
    id: "SS-RL-02",
    group: "SS-RL",
    title:
      "20 concurrent takers of one free lease on two handles: exactly one wins, every loser sees its text (× rounds)",
    requires: ["namedLeases"],
    async run(env) {
      const a = await env.open();
      const b = env.capabilities.multiHandle ? await env.reopen() : a;
      for (let round = 0; round < env.iterations; round++) {
        const settled = await env.startTogether(20, (i) =>
          (i % 2 ? a : b).swapLease("race", null, `taker ${i}`),
        );
        const results = settled.map((r, i) => {
          assert.equal(
            r.status,
            "fulfilled",
            `round ${round}: taker ${i} failed: ${String((r as PromiseRejectedResult).reason)}`,
          );
          return (r as PromiseFulfilledResult<Awaited<ReturnType<SessionStore["swapLease"]>>>).value;
        });
        const winners = results.filter((r) => r.swapped);
        expectEqual(winners.length, 1, `round ${round}: winners`);
        for (const r of results)
          expectEqual(r.current, winners[0]!.current, `round ${round}: the text each taker saw`);
        expectEqual(
          (await a.swapLease("race", winners[0]!.current, null)).swapped,
          true,
          `round ${round}: release`,
        );
      }
    },
  },
  {
    id: "SS-RL-03",
    group: "SS-RL",
    title:
      "a retention run while another process holds the lease gets ERR_RETENTION_BUSY naming it and removes nothing; with waitMs it runs once the holder lets go; a SIGKILLed holder is taken over at once",
    requires: ["namedLeases", "child", "multiProcess"],
    async run(env) {
      const store = await env.open();
      const manager = createSessionManager({ store, clock: systemClock, retention: DELETE_OLD });
      env.ctx.onCleanup(() => manager.close());
      const first = await completed(env, store, 3, "first");
      const holder = await managerChild(env);
      const pid = (await holder.command("holdRetentionLease")) as number;
      const busy = await expectCode(
        manager.applyRetention(),
        "ERR_RETENTION_BUSY",
        "a run while the child holds the lease",
      );
      expectEqual(
        (busy as unknown as { details: { holder: { pid: number } } }).details.holder.pid,
        pid,
        "the holder ERR_RETENTION_BUSY names",
      );
      assert.match(busy.message, new RegExp(`process ${pid}\\b`), "the message names the holder's pid");
      expectEqual(await present(store, first), 3, "sessions left after the refused run");
      expectDeepEqual(
        (await manager.applyRetention({ dryRun: true })).removed,
        first,
        "a dry run needs no lease",
      );
      const waiting = manager.applyRetention({ waitMs: 30_000 });
      await holder.command("releaseRetentionLease");
      expectDeepEqual((await waiting).removed, first, "the waiting run, once the holder let go");
      const second = await completed(env, store, 2, "second");
      await holder.command("holdRetentionLease");
      await expectCode(
        manager.applyRetention(),
        "ERR_RETENTION_BUSY",
        "a run while the child holds it again",
      );
      await holder.kill();
      expectDeepEqual(
        (await manager.applyRetention()).removed,
        second,
        "the run after the holder was killed",
      );
      expectEqual(
        (await store.swapLease(RETENTION_LEASE, null, null)).swapped,
        true,
        "the lease is free after the run",
      );
    },
  },
  {
    id: "SS-RL-04",
    group: "SS-RL",
    title: "a retention lease past its instant is taken over; the run it refused before then goes ahead",
    requires: ["namedLeases"],
    async run(env) {
      const store = await env.open();
      const old = await completed(env, store, 2, "old");
      env.ctx.clock.advance(2 * 86_400_000);
      const held = await acquireRetentionLease(store, env.ctx.clock, { leaseMs: 60_000 });
      const manager = createSessionManager({ store, clock: env.ctx.clock, retention: DELETE_OLD });
      env.ctx.onCleanup(() => manager.close());
      await expectCode(manager.applyRetention(), "ERR_RETENTION_BUSY", "a run while the lease runs");
      env.ctx.clock.advance(61_000);
      expectDeepEqual((await manager.applyRetention()).removed, old, "the run after the lease's instant");
      await held.release();
      expectEqual(await present(store, old), 0, "sessions left");
    },
  },
  {
    id: "SS-RL-05",
    group: "SS-RL",
    title:
      "deleteMany deletes each session still at its version and not held, and reports the changed, held and absent ones, which stay as they were",
    async run(env) {
      const store = await env.open();
      const manager = createSessionManager({ store, clock: env.ctx.clock });
      const [gone, changed, held, kept] = await completed(env, store, 4, "batch");
      const versions = new Map<string, number>();
      for (const id of [gone!, changed!, held!]) versions.set(id, (await store.get(id))!.version);
      await manager.addEvent(changed!, "note", { late: true });
      await manager.hold(held!, { reason: "audit" });
      const changedBefore = await store.getWithHistory(changed!);
      const heldBefore = await store.getWithHistory(held!);
      const outcomes = await store.deleteMany([
        { id: gone!, expectedVersion: versions.get(gone!)! },
        { id: changed!, expectedVersion: versions.get(changed!)! },
        { id: held!, expectedVersion: (await store.get(held!))!.version },
        { id: "session_rl05_absent", expectedVersion: 1 },
      ]);
      expectDeepEqual(outcomes, ["deleted", "changed", "held", "absent"], "the outcomes, in order");
      expectEqual(await store.get(gone!), null, "the deleted session");
      expectDeepEqual(await store.getWithHistory(changed!), changedBefore, "the changed session");
      expectDeepEqual(await store.getWithHistory(held!), heldBefore, "the held session");
      assert.ok((await store.get(kept!)) !== null, "a session not listed is untouched");
      await expectCode(store.deleteMany([{ id: "../x", expectedVersion: 1 }]), "ERR_INVALID_ID", "a bad id");
      await manager.close();
    },
  },
];
