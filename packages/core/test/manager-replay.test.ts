import { describe, expect, it, vi } from "vitest";
import {
  createMemoryStore,
  createSessionManager,
  type Session,
  type SessionNotification,
} from "../src/index.js";
import { managerFixture } from "./manager-fixture.js";
import { codeOf } from "./outcome.js";

const { fresh, track } = managerFixture();

function setup() {
  const { clock, store } = fresh();
  const manager = track(createSessionManager({ store }));
  const heard: string[] = [];
  manager.on("*", (n: SessionNotification) => heard.push(n.event));
  return { clock, store, manager, heard };
}

/** A session without its `operations` bookkeeping (a replay carries the current map). */
const withoutOperations = ({ operations: _, ...rest }: Session) => rest;

describe("idempotent replays return the first result", () => {
  it("a replay after later commits returns the first result: same version, same state", async () => {
    const { manager, store, heard } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    const first = await manager.addEvent(s.id, "note", { n: 1 }, { operationId: "op-1" });
    await manager.updateContext(s.id, { later: true });
    await manager.pause(s.id, "later");
    const replay = await manager.addEvent(s.id, "note", { n: 1 }, { operationId: "op-1" });
    expect(replay.version).toBe(first.version);
    expect(withoutOperations(replay)).toEqual(withoutOperations(first));
    expect(replay.operations).toEqual((await store.get(s.id))!.operations);
    expect(manager.sync().addEvent(s.id, "note", { n: 1 }, { operationId: "op-1" }).version).toBe(
      first.version,
    );
    expect(heard).toEqual(["start", "note", "context", "pause"]);
  });

  it("a no-op call with an operationId remembers its id: version + 1, no event, no notification", async () => {
    const { manager, store, heard } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    const resumed = await manager.resume(s.id, undefined, { operationId: "noop" });
    expect(resumed.version).toBe(s.version + 1);
    expect(resumed.eventCount).toBe(s.eventCount);
    await manager.pause(s.id);
    const replay = await manager.resume(s.id, undefined, { operationId: "noop" });
    expect(replay.version).toBe(resumed.version);
    expect(replay.status).toBe("active");
    expect((await store.get(s.id))!.status).toBe("paused");
    expect(heard).toEqual(["start", "pause"]);
  });

  it("results are kept for the last 8 operations; an older replay fails with ERR_OPERATION_REPLAYED and changes nothing", async () => {
    const { manager, store } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    for (let n = 0; n < 9; n++) await manager.addEvent(s.id, "note", { n }, { operationId: `op-${n}` });
    const operations = (await store.get(s.id))!.operations!;
    const kept = Object.keys(operations).filter((key) => operations[key]!.result !== undefined);
    expect(kept.sort()).toEqual(["op-1", "op-2", "op-3", "op-4", "op-5", "op-6", "op-7", "op-8"]);
    expect(operations["op-0"]).toEqual({ digest: expect.any(String), version: 2 });
    const before = await store.getWithHistory(s.id);
    const error = await manager
      .addEvent(s.id, "note", { n: 0 }, { operationId: "op-0" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "ERR_OPERATION_REPLAYED",
      details: { id: s.id, operationId: "op-0", version: 2 },
    });
    expect(await codeOf(manager.addEvent(s.id, "note", { n: 1 }, { operationId: "op-1" }))).toBe("resolved");
    expect(await store.getWithHistory(s.id)).toEqual(before);
  });

  it("a result over 16 KiB is not kept: its replay returns the session while it is still at that version", async () => {
    const { manager, store } = setup();
    const s = await manager.start({ task: "t", mode: "m", context: { big: "x".repeat(17_000) } });
    const first = await manager.addEvent(s.id, "note", {}, { operationId: "big" });
    expect((await store.get(s.id))!.operations!.big!.result).toBeUndefined();
    expect(await manager.addEvent(s.id, "note", {}, { operationId: "big" })).toEqual(first);
    await manager.addEvent(s.id, "other");
    expect(await codeOf(manager.addEvent(s.id, "note", {}, { operationId: "big" }))).toBe(
      "ERR_OPERATION_REPLAYED",
    );
  });

  it("the kept result never fails a commit near the record limit", async () => {
    const { clock } = fresh();
    const store = createMemoryStore({ clock, maxPayloadBytes: 8_000 });
    const manager = track(createSessionManager({ store }));
    const s = await manager.start({ task: "t", mode: "m", context: { fill: "x".repeat(5_000) } });
    const first = await manager.addEvent(s.id, "note", {}, { operationId: "near" });
    expect(first.operations!.near!.result).toBeUndefined();
  });
});

describe("claim and release take an operationId", () => {
  const owned = () => {
    const { clock, store } = fresh();
    const make = (ownerId: string) =>
      track(createSessionManager({ store, ownership: { ownerId, leaseMs: 10_000 } }));
    return { clock, store, make };
  };

  it("a replayed claim returns the first claim's result; another claim under its id conflicts, nothing changed", async () => {
    const { store, make, clock } = owned();
    const a = make("worker-a");
    const s = await make("starter").start({ task: "t", mode: "m" });
    clock.advance(10_001);
    const first = await a.claim(s.id, { operationId: "claim-1" });
    await a.addEvent(s.id, "work");
    const replay = await a.claim(s.id, { operationId: "claim-1" });
    expect(replay.version).toBe(first.version);
    expect(withoutOperations(replay)).toEqual(withoutOperations(first));
    const before = await store.getWithHistory(s.id);
    expect(await codeOf(a.claim(s.id, { operationId: "claim-1", leaseMs: 20_000 }))).toBe(
      "ERR_IDEMPOTENCY_CONFLICT",
    );
    expect(await codeOf(a.claim(s.id, { operationId: "bad id!" }))).toBe("ERR_INVALID_INPUT");
    expect(await store.getWithHistory(s.id)).toEqual(before);
    expect((await store.readEvents(s.id)).map((e) => e.type)).toEqual(["start", "claim", "work"]);
  });

  it("a replayed release returns the first result and keeps a claim taken since alive (real timers)", async () => {
    const store = createMemoryStore();
    const a = track(createSessionManager({ store, ownership: { ownerId: "worker-a", leaseMs: 300 } }));
    const s = await a.start({ task: "t", mode: "m" });
    const first = await a.release(s.id, { operationId: "rel-1" });
    expect(first.owner).toBeUndefined();
    const again = await a.claim(s.id);
    const replay = await a.release(s.id, { operationId: "rel-1" });
    expect(withoutOperations(replay)).toEqual(withoutOperations(first));
    expect(await codeOf(a.release(s.id, { operationId: "claim-x" }))).toBe("resolved");
    const events = (await store.readEvents(s.id)).map((e) => e.type);
    expect(events).toEqual(["start", "release", "claim", "release"]);
    // The claim between the two releases was live and heartbeating until the second, real release.
    expect(again.owner?.id).toBe("worker-a");
  });

  it("a replayed release does not stop the heartbeat of the claim taken since", async () => {
    const store = createMemoryStore();
    const a = track(createSessionManager({ store, ownership: { ownerId: "worker-a", leaseMs: 300 } }));
    const s = await a.start({ task: "t", mode: "m" });
    await a.release(s.id, { operationId: "rel-1" });
    const claimed = await a.claim(s.id);
    await a.release(s.id, { operationId: "rel-1" });
    await vi.waitFor(async () => {
      const now = (await store.get(s.id))!;
      expect(Date.parse(now.leaseUntil!)).toBeGreaterThan(Date.parse(claimed.leaseUntil!));
    });
    expect((await store.get(s.id))!.owner?.generation).toBe(claimed.owner!.generation);
    expect(await codeOf(a.release(s.id, { operationId: "rel-1", extra: 1 } as never))).toBe(
      "ERR_INVALID_INPUT",
    );
  });
});

describe("delete takes an operationId", () => {
  it("a replayed delete answers true like the first; an id used for another request conflicts and deletes nothing", async () => {
    const { manager, store } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.addEvent(s.id, "note", {}, { operationId: "op-1" });
    const before = await store.getWithHistory(s.id);
    expect(await codeOf(manager.delete(s.id, { operationId: "op-1" }))).toBe("ERR_IDEMPOTENCY_CONFLICT");
    expect(await codeOf(manager.delete(s.id, { operationId: "no good" }))).toBe("ERR_INVALID_INPUT");
    expect(await store.getWithHistory(s.id)).toEqual(before);
    expect(await manager.delete(s.id, { operationId: "del-1" })).toBe(true);
    expect(await store.get(s.id)).toBeNull();
    expect(await manager.delete(s.id, { operationId: "del-1" })).toBe(true);
    expect(await manager.delete(s.id)).toBe(false);
  });

  it("a held session is not deleted under an operation id either", async () => {
    const { manager, store } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.hold(s.id, { reason: "litigation" });
    expect(await codeOf(manager.delete(s.id, { operationId: "del-1" }))).toBe("ERR_SESSION_HELD");
    expect(await store.get(s.id)).not.toBeNull();
  });
});
