import type { Session } from "@sessionkit/core";
import { expectCode, expectDeepEqual, expectEqual } from "../assertions.js";
import type { CaseDefinition } from "../case.js";
import { call, receiver, script } from "./idempotency-script.js";
import { managerOf } from "./manager-helpers.js";

/** A session without its `operations` bookkeeping: a replay carries the current map. */
function state(session: Session): Omit<Session, "operations"> {
  const { operations: _current, ...rest } = session;
  return rest;
}

/** SS-IDEM-04..07: what a replay returns, how long results are kept, claim and release. */
export const idempotencyReplayCases: CaseDefinition[] = [
  {
    id: "SS-IDEM-04",
    group: "SS-IDEM",
    title:
      "a replay after later commits returns the first result (deep-equal but for `operations`, same version) and sends no second webhook; a no-op call with an operationId commits its id (version + 1, no event)",
    requires: ["idempotency"],
    async run(env) {
      const store = await env.open();
      const { url, byKey } = await receiver(env);
      const manager = managerOf(env, store, { webhookUrl: url });
      const replayer = managerOf(env, store);
      const { id } = await manager.start({ task: "t", mode: "m" });
      for (const step of script(id)) {
        const first = (await call(manager, step)) as unknown as Session;
        await manager.addEvent(id, "between", { after: step.method });
        const replay = (await call(replayer, step)) as unknown as Session;
        expectEqual(replay.version, first.version, `${step.method}: version of the replayed result`);
        expectDeepEqual(state(replay), state(first), `${step.method}: the replayed result`);
      }
      const before = (await store.get(id))!;
      await expectCode(
        manager.resume(id, undefined, { operationId: "noop-resume" }),
        "ERR_INVALID_TRANSITION",
        "resume of a completed session under an operation id",
      );
      const live = await manager.start({ task: "t", mode: "m" });
      const noop = await manager.resume(live.id, undefined, { operationId: "noop-resume" });
      expectEqual(noop.version, live.version + 1, "version after a no-op resume with an operation id");
      expectEqual(noop.eventCount, live.eventCount, "events after a no-op resume with an operation id");
      await manager.pause(live.id);
      const again = await replayer.resume(live.id, undefined, { operationId: "noop-resume" });
      expectDeepEqual(state(again), state(noop), "the replayed no-op's result");
      expectEqual((await store.get(live.id))!.status, "paused", "status after replaying the no-op");
      expectDeepEqual(await store.get(id), before, "the session after the refused resume");
      expectEqual(
        await manager.close({ timeoutMs: 10_000 }).then((r) => r.undelivered.length),
        0,
        "undelivered",
      );
      const events = (await store.get(id))!.eventCount + (await store.get(live.id))!.eventCount;
      expectEqual(byKey.size, events, "distinct webhook idempotency keys (one per event)");
      expectDeepEqual(
        [...byKey.values()].filter((count) => count !== 1),
        [],
        "webhook deliveries per key other than exactly one",
      );
    },
  },
  {
    id: "SS-IDEM-05",
    group: "SS-IDEM",
    title:
      "results are kept for the last 8 operations: an older replay fails with ERR_OPERATION_REPLAYED (id, operationId, version) once the session moved on, and changes nothing; a result over 16 KiB is replayed only while the session is at its version",
    requires: ["idempotency"],
    async run(env) {
      const store = await env.open();
      const manager = managerOf(env, store);
      const { id } = await manager.start({ task: "t", mode: "m" });
      const firsts: Session[] = [];
      for (let n = 0; n < 9; n++)
        firsts.push(await manager.addEvent(id, "note", { n }, { operationId: `op-${n}` }));
      const before = await store.getWithHistory(id);
      const error = await manager.addEvent(id, "note", { n: 0 }, { operationId: "op-0" }).then(
        () => undefined,
        (e: unknown) => e as { code?: string; details?: unknown },
      );
      expectEqual(error?.code, "ERR_OPERATION_REPLAYED", "code of a replay older than the kept results");
      expectDeepEqual(error?.details, { id, operationId: "op-0", version: 2 }, "its details");
      const kept = await manager.addEvent(id, "note", { n: 1 }, { operationId: "op-1" });
      expectDeepEqual(state(kept), state(firsts[1]!), "the oldest kept result, replayed");
      expectDeepEqual(await store.getWithHistory(id), before, "the session after both replays");
      if (env.capabilities.maxPayloadBytes < 64 * 1024) return; // no room for a 17 KiB session
      const big = await manager.start({ task: "t", mode: "m", context: { big: "x".repeat(17_000) } });
      const first = await manager.addEvent(big.id, "note", {}, { operationId: "big" });
      expectDeepEqual(
        state(await manager.addEvent(big.id, "note", {}, { operationId: "big" })),
        state(first),
        "replay of an unkept result while the session is at its version",
      );
      await manager.addEvent(big.id, "later");
      await expectCode(
        manager.addEvent(big.id, "note", {}, { operationId: "big" }),
        "ERR_OPERATION_REPLAYED",
        "replay of an unkept result after the session moved on",
      );
    },
  },
  {
    id: "SS-IDEM-06",
    group: "SS-IDEM",
    title:
      "claim and release take an operationId: a replay returns the first result; another claim under the id is ERR_IDEMPOTENCY_CONFLICT and changes nothing",
    requires: ["idempotency", "leases"],
    async run(env) {
      const store = await env.open();
      const owner = managerOf(env, store, { ownerId: "idem-owner" });
      const { id } = await managerOf(env, store).start({ task: "t", mode: "m" });
      const claimed = await owner.claim(id, { operationId: "claim-1" });
      await owner.addEvent(id, "work");
      expectDeepEqual(
        state(await owner.claim(id, { operationId: "claim-1" })),
        state(claimed),
        "the replayed claim",
      );
      const before = await store.getWithHistory(id);
      await expectCode(
        owner.claim(id, { operationId: "claim-1", leaseMs: 30_000 }),
        "ERR_IDEMPOTENCY_CONFLICT",
        "another claim under the claim's operation id",
      );
      expectDeepEqual(await store.getWithHistory(id), before, "the session after the conflicting claim");
      const released = await owner.release(id, { operationId: "release-1" });
      await owner.addEvent(id, "after");
      expectDeepEqual(
        state(await owner.release(id, { operationId: "release-1" })),
        state(released),
        "the replayed release",
      );
      const types = (await store.readEvents(id)).map((event) => event.type);
      expectDeepEqual(types, ["start", "claim", "work", "release", "after"], "events after the replays");
    },
  },
  {
    id: "SS-IDEM-07",
    group: "SS-IDEM",
    title:
      "a claim replayed after its lease was lost to another owner fails with ERR_LEASE_LOST naming the new owner, not the stale first result, and changes nothing",
    requires: ["idempotency", "leases"],
    async run(env) {
      const store = await env.open();
      const first = managerOf(env, store, { ownerId: "idem-first", leaseMs: 60_000 });
      const next = managerOf(env, store, { ownerId: "idem-next", leaseMs: 60_000 });
      const { id } = await managerOf(env, store).start({ task: "t", mode: "m" });
      await first.claim(id, { operationId: "claim-first" });
      env.ctx.clock.advance(60_001);
      await next.claim(id);
      const before = await store.getWithHistory(id);
      const lost = await expectCode(
        first.claim(id, { operationId: "claim-first" }),
        "ERR_LEASE_LOST",
        "the claim replayed after another owner took the session",
      );
      expectEqual(
        (lost as unknown as { details: { owner?: { id?: string } | null } }).details.owner?.id,
        "idem-next",
        "the owner ERR_LEASE_LOST names",
      );
      expectDeepEqual(await store.getWithHistory(id), before, "the session after the replayed claim");
    },
  },
];
