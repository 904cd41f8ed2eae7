import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  type SessionManager,
  type SessionStore,
} from "../src/index.js";
import { managerFixture } from "./manager-fixture.js";
import { codeOf } from "./outcome.js";

// Inputs a careless or hostile caller sends, found by the breaker pass over issues 17 and 21.
const { fresh, track } = managerFixture();

function setup(leaseMs = 10_000) {
  const { clock, store } = fresh();
  const make = (ownerId?: string, target: SessionStore = store) =>
    track(
      createSessionManager({
        store: target,
        ...(ownerId === undefined ? {} : { ownership: { ownerId, leaseMs } }),
      }),
    );
  return { clock, store, make };
}

const PROTOTYPE_NAMES = ["toString", "constructor", "valueOf", "hasOwnProperty"];

describe("ids that name Object.prototype members are ordinary ids", () => {
  it("an operation id like `toString` commits once and replays, on a session that already remembers operations", async () => {
    const { store, make } = setup();
    const m = make();
    const s = await m.start({ task: "t", mode: "m" });
    await m.addEvent(s.id, "first", {}, { operationId: "op-1" });
    for (const operationId of PROTOTYPE_NAMES) {
      const first = await m.addEvent(s.id, "named", { operationId }, { operationId });
      const again = await m.addEvent(s.id, "named", { operationId }, { operationId });
      expect(again.version).toBe(first.version);
      expect(first.operations?.[operationId]?.version).toBe(first.version);
    }
    expect((await store.readEvents(s.id)).filter((e) => e.type === "named")).toHaveLength(4);
  });

  it("an input request id like `toString` is asked and answered exactly once after other answers", async () => {
    const { store, make } = setup();
    const m = make();
    const s = await m.start({ task: "t", mode: "m" });
    await m.requestInput(s.id, { requestId: "r1", kind: "approval", prompt: "p" });
    await m.respond(s.id, "r1", { action: "accept" });
    for (const requestId of PROTOTYPE_NAMES) {
      const asked = await m.requestInput(s.id, { requestId, kind: "approval", prompt: "p" });
      expect(asked.inputRequests?.map((r) => r.requestId)).toEqual([requestId]);
      const first = await m.respond(s.id, requestId, { action: "accept" });
      expect(first).toMatchObject({ first: true, answer: { action: "accept", outcome: "answered" } });
      const second = await m.respond(s.id, requestId, { action: "ignore" });
      expect(second).toMatchObject({ first: false, answer: { action: "accept" } });
    }
    const received = (await store.readEvents(s.id)).filter((e) => e.type === "input_received");
    expect(received).toHaveLength(1 + PROTOTYPE_NAMES.length);
  });
});

describe("claims and releases by someone else", () => {
  it("claim(id, { owner }) under another owner id heartbeats and fences this manager's writes (real timers)", async () => {
    const store = createMemoryStore();
    const m = createSessionManager({ store, ownership: { ownerId: "worker-a", leaseMs: 300 } });
    const other = createSessionManager({ store, ownership: { ownerId: "worker-b", leaseMs: 300 } });
    track(m);
    track(other);
    const s = await createSessionManager({ store }).start({ task: "t", mode: "m" });
    const claimed = await m.claim(s.id, { owner: "agent-7", leaseMs: 300 });
    expect(claimed.owner).toMatchObject({ id: "agent-7" });
    await vi.waitFor(async () => {
      const now = await store.get(s.id);
      expect(Date.parse(now!.leaseUntil!)).toBeGreaterThan(Date.parse(claimed.leaseUntil!));
    });
    expect(await codeOf(other.claim(s.id))).toBe("ERR_SESSION_BUSY");
    // The claim is taken over (expired as seen by a clock 1 s ahead): agent-7's next write is fenced.
    const ahead = createSessionManager({
      store,
      clock: { now: () => Date.now() + 1_000 },
      ownership: { ownerId: "worker-c", leaseMs: 10_000 },
    });
    track(ahead);
    await ahead.claim(s.id);
    const before = await store.getWithHistory(s.id);
    expect(await codeOf(m.addEvent(s.id, "late", {}))).toBe("ERR_LEASE_LOST");
    expect(await store.getWithHistory(s.id)).toEqual(before);
  });

  it("release(id) of a session a live other owner holds is ERR_SESSION_BUSY and changes nothing", async () => {
    const { store, make } = setup();
    const a = make("worker-a");
    const s = await a.start({ task: "t", mode: "m" });
    const before = await store.getWithHistory(s.id);
    expect(await codeOf(make("worker-b").release(s.id))).toBe("ERR_SESSION_BUSY");
    expect(await codeOf(make().release(s.id))).toBe("ERR_SESSION_BUSY");
    expect(await store.getWithHistory(s.id)).toEqual(before);
    expect((await a.addEvent(s.id, "still_mine", {})).owner?.id).toBe("worker-a");
  });

  it("release(id) of an expired other owner's session clears it, like a claim may take it", async () => {
    const { clock, make } = setup();
    const s = await make("worker-a").start({ task: "t", mode: "m" });
    clock.advance(10_001);
    expect((await make("worker-b").release(s.id)).owner).toBeUndefined();
  });
});

describe("a store without the capability", () => {
  function bare(store: SessionStore): SessionStore {
    return { ...store, capabilities: { ...store.capabilities, leases: false, idempotency: false } };
  }

  it("ownership, claim() and operationId refuse with ERR_UNSUPPORTED_CAPABILITY and change nothing", async () => {
    const { store, make } = setup();
    const target = bare(store);
    expect(() => createSessionManager({ store: target, ownership: true })).toThrow(
      expect.objectContaining({ code: "ERR_UNSUPPORTED_CAPABILITY" }),
    );
    const m = make(undefined, target);
    const s = await m.start({ task: "t", mode: "m" });
    expect(await codeOf(m.claim(s.id))).toBe("ERR_UNSUPPORTED_CAPABILITY");
    expect(await codeOf(m.pause(s.id, "r", { operationId: "op-1" }))).toBe("ERR_UNSUPPORTED_CAPABILITY");
    expect(() => m.sync().pause(s.id, "r", { operationId: "op-1" })).toThrow(
      expect.objectContaining({ code: "ERR_UNSUPPORTED_CAPABILITY" }),
    );
    expect(await store.get(s.id)).toEqual(s);
    expect((await m.pause(s.id, "r")).status).toBe("paused");
  });
});

describe("a manager whose clock differs from the store's", () => {
  for (const [label, offsetMs] of [
    ["an hour behind", -3_600_000],
    ["an hour ahead", 3_600_000],
  ] as const) {
    it(`heartbeats every lease/3 and never moves the lease back when its clock is ${label} (real timers)`, async () => {
      const store = createMemoryStore();
      const clock = { now: () => Date.now() + offsetMs };
      const m = createSessionManager({ store, clock, ownership: { leaseMs: 300 } });
      track(m);
      const s = await m.start({ task: "t", mode: "m" });
      await vi.waitFor(async () => {
        const now = await store.get(s.id);
        expect(Date.parse(now!.leaseUntil!)).toBeGreaterThan(Date.parse(s.leaseUntil!));
      });
      const now = (await store.get(s.id))!;
      // A 300 ms lease beats about every 100 ms; a wrongly derived lease beat every 1 ms (dozens of versions).
      expect(now.version).toBeLessThan(10);
      expect(Date.parse(now.leaseUntil!) - clock.now()).toBeGreaterThan(0);
    });
  }
});
