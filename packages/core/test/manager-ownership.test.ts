import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  type SessionManager,
  type SessionNotification,
  type SessionStore,
} from "../src/index.js";
import { managerFixture } from "./manager-fixture.js";
import { codeOf } from "./outcome.js";

const { fresh, track } = managerFixture();

function setup(leaseMs = 10_000) {
  const { clock, store } = fresh();
  const make = (ownerId: string, ownership = true) =>
    track(createSessionManager({ store, ownership: ownership ? { ownerId, leaseMs } : false }));
  return { clock, store, a: make("worker-a"), b: make("worker-b"), make };
}

async function events(store: SessionStore, id: string): Promise<string[]> {
  return (await store.readEvents(id)).map((e) => e.type);
}

describe("ownership: claims, fencing and the live-owner rule", () => {
  it("start claims the new session for its manager: owner, generation, lease", async () => {
    const { a } = setup();
    const s = await a.start({ task: "t", mode: "m" });
    expect(s.owner).toMatchObject({ id: "worker-a", host: hostname(), pid: process.pid, generation: 1 });
    expect(s.leaseUntil).toBe("2026-11-24T10:00:10.000Z");
  });

  it("a second claimer of a live session gets ERR_SESSION_BUSY naming the owner; nothing changes", async () => {
    const { a, b, store } = setup();
    const s = await a.start({ task: "t", mode: "m" });
    const error = await b.claim(s.id).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_SESSION_BUSY", details: { owner: { id: "worker-a" } } });
    expect((error as Error).message).toContain("worker-a");
    expect(await store.get(s.id)).toEqual(s);
  });

  it("after the lease expires another owner claims; the old owner's writes fail with ERR_LEASE_LOST and store nothing", async () => {
    const { a, b, clock, store } = setup();
    const s = await a.start({ task: "t", mode: "m" });
    clock.advance(10_001);
    const taken = await b.claim(s.id);
    expect(taken.owner).toMatchObject({ id: "worker-b", generation: s.version + 1 });
    const before = await store.getWithHistory(s.id);
    for (const write of [
      () => a.incrementIteration(s.id),
      () => a.recordToolCall(s.id, "x"),
      () => a.complete(s.id),
    ]) {
      expect(await codeOf(write())).toBe("ERR_LEASE_LOST");
    }
    expect(await store.getWithHistory(s.id)).toEqual(before);
    expect(await events(store, s.id)).toEqual(["start", "claim"]);
    // The new owner works; the old one stays fenced until it claims again (and then is refused: b is live).
    expect((await b.incrementIteration(s.id)).iterations).toBe(1);
    expect(await codeOf(a.claim(s.id))).toBe("ERR_SESSION_BUSY");
  });

  it("a manager without ownership writes to owned sessions as before, but cannot resume one a live owner holds", async () => {
    const { a, make } = setup();
    const plain = make("plain", false);
    const s = await a.start({ task: "t", mode: "m" });
    expect((await plain.recordToolCall(s.id, "x")).eventCount).toBe(2);
    expect(await plain.isResumable(s.id)).toBe(false);
    expect(await a.isResumable(s.id)).toBe(true);
    expect(await codeOf(plain.resume(s.id))).toBe("ERR_SESSION_BUSY");
  });

  it("release clears owner and lease with a `release` event; a terminal commit clears them too", async () => {
    const { a, store } = setup();
    const s = await a.start({ task: "t", mode: "m" });
    const released = await a.release(s.id);
    expect(released.owner).toBeUndefined();
    expect(released.leaseUntil).toBeUndefined();
    const t = await a.start({ task: "t", mode: "m" });
    const done = await a.complete(t.id, "ok");
    expect(done.owner).toBeUndefined();
    expect(await events(store, s.id)).toEqual(["start", "release"]);
  });

  it("heartbeats extend the lease every lease/3 while the claim lives (real timers)", async () => {
    const store = createMemoryStore();
    const m = createSessionManager({ store, ownership: { leaseMs: 300 } });
    track(m);
    const s = await m.start({ task: "t", mode: "m" });
    await vi.waitFor(async () => {
      const now = await store.get(s.id);
      expect(Date.parse(now!.leaseUntil!)).toBeGreaterThan(Date.parse(s.leaseUntil!));
    });
    expect((await store.get(s.id))!.owner?.generation).toBe(1);
  });
});

describe("the sweeper", () => {
  it("startSweeper sweeps every intervalMs until stopped (real timers)", async () => {
    const { a, make, clock, store } = setup();
    const sweeper = make("sweeper", false);
    const s = await a.start({ task: "t", mode: "m" });
    const stop = sweeper.startSweeper({ intervalMs: 20 });
    clock.advance(10_001);
    await vi.waitFor(async () => expect((await store.get(s.id))!.status).toBe("paused"));
    stop();
    const t = await a.start({ task: "t", mode: "m" });
    clock.advance(10_001);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await store.get(t.id))!.status).toBe("active");
    expect(await events(store, s.id)).toEqual(["start", "crash"]);
  });

  it("marks a session whose lease expired paused/crashed with a `crash` event, once, and publishes it", async () => {
    const { a, make, clock, store } = setup();
    const sweeper = make("sweeper", false);
    const heard: SessionNotification[] = [];
    sweeper.on("crash", (n) => heard.push(n));
    const s = await a.start({ task: "t", mode: "m" });
    expect((await sweeper.sweep()).crashed).toEqual([]);
    clock.advance(10_001);
    const [one, two] = await Promise.all([sweeper.sweep(), make("sweeper-2", false).sweep()]);
    expect([...one.crashed, ...two.crashed]).toEqual([s.id]);
    const after = (await store.get(s.id))!;
    expect(after).toMatchObject({ status: "paused", pause: { reason: "crashed" } });
    expect(after.owner).toBeUndefined();
    expect(await events(store, s.id)).toEqual(["start", "crash"]);
    expect(heard.map((n) => n.data)).toEqual([
      expect.objectContaining({
        reason: "lease_expired",
        owner: expect.objectContaining({ id: "worker-a" }),
      }),
    ]);
    expect(await codeOf(a.incrementIteration(s.id))).toBe("ERR_LEASE_LOST");
    // The crashed session can be taken over and resumed.
    const b = make("worker-b");
    await b.claim(s.id);
    expect((await b.resume(s.id)).status).toBe("active");
  });

  it("a crash policy may choose failed or timeout", async () => {
    const { a, make, clock, store } = setup();
    const s = await a.start({ task: "t", mode: "m" });
    const t = await a.start({ task: "t", mode: "m" });
    clock.advance(10_001);
    const sweeper = make("s", false);
    await sweeper.sweep({ status: "failed" });
    expect(await store.get(s.id)).toMatchObject({
      status: "failed",
      error: expect.stringContaining("worker-a"),
    });
    expect(await store.get(t.id)).toMatchObject({ status: "failed" });
  });

  it("same host, owner process gone (or its pid reused): crashed before the lease expires", async () => {
    const { make, store } = setup(60_000);
    const sweeper = make("s", false);
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    const plant = async (pid: number, startedAt: string) => {
      const s = await sweeper.start({ task: "t", mode: "m" });
      const owner = { id: `o-${pid}`, host: hostname(), pid, startedAt, generation: s.version };
      await store.commit(s.id, { patch: { owner, leaseUntil: "2026-11-24T11:00:00.000Z" } });
      return s.id;
    };
    const gone = await plant(dead, new Date().toISOString());
    const reused = await plant(process.pid, "2001-01-01T00:00:00.000Z");
    const alive = await plant(
      process.pid,
      (await make("me").start({ task: "t", mode: "m" })).owner!.startedAt,
    );
    const { crashed } = await sweeper.sweep();
    expect(crashed.sort()).toEqual([gone, reused].sort());
    expect((await store.readEvents(gone)).at(-1)?.data).toMatchObject({ reason: "process_gone" });
    expect((await store.get(alive))!.status).toBe("active");
  });
});

describe("idempotent operations", () => {
  it("a replay returns the session without a new event, version or notification; another request conflicts", async () => {
    const { a, store } = setup();
    const s = await a.start({ task: "t", mode: "m" });
    const heard: string[] = [];
    a.on("*", (n) => heard.push(n.event));
    const first = await a.recordToolCall(s.id, "bash", { cmd: "ls" }, "ok", { operationId: "op-1" });
    const again = await a.recordToolCall(s.id, "bash", { cmd: "ls" }, "ok", { operationId: "op-1" });
    expect(again.version).toBe(first.version);
    expect(heard).toEqual(["tool_call"]);
    const before = await store.getWithHistory(s.id);
    expect(await codeOf(a.recordToolCall(s.id, "bash", { cmd: "rm" }, "ok", { operationId: "op-1" }))).toBe(
      "ERR_IDEMPOTENCY_CONFLICT",
    );
    expect(await codeOf(a.complete(s.id, "x", { operationId: "op-1" }))).toBe("ERR_IDEMPOTENCY_CONFLICT");
    expect(await store.getWithHistory(s.id)).toEqual(before);
    expect(first.operations?.["op-1"]).toMatchObject({ digest: expect.any(String), version: first.version });
    expect(first.operations?.["op-1"]?.result).toMatchObject({ id: s.id, version: first.version });
  });

  it("50 concurrent duplicates of one operation id commit exactly once", async () => {
    const { a, store } = setup();
    const s = await a.start({ task: "t", mode: "m", maxIterations: 1000 });
    await Promise.all(
      Array.from({ length: 50 }, () => a.incrementIteration(s.id, { n: 1 }, {}, { operationId: "it-1" })),
    );
    expect((await store.get(s.id))!.iterations).toBe(1);
    expect(await events(store, s.id)).toEqual(["start", "iteration"]);
  });

  it("start with a caller-given id is idempotent; the same id with another request conflicts", async () => {
    const { a, store } = setup();
    const input = { id: "session_idem_start", task: "t", mode: "m", context: { a: 1 } };
    const first = await a.start(input);
    expect(await a.start({ ...input, context: { a: 1 } })).toEqual(first);
    expect(await codeOf(a.start({ ...input, task: "other" }))).toBe("ERR_IDEMPOTENCY_CONFLICT");
    expect(await events(store, first.id)).toEqual(["start"]);
    await store.create({ id: "session_raw", task: "t", mode: "m" });
    expect(await codeOf(a.start({ id: "session_raw", task: "t", mode: "m" }))).toBe("ERR_SESSION_EXISTS");
  });

  it("the sync face honours operation ids too; malformed ids are ERR_INVALID_INPUT", async () => {
    const { a } = setup();
    const s = await a.start({ task: "t", mode: "m" });
    const sync = a.sync();
    const one = sync.addEvent(s.id, "note", { n: 1 }, { operationId: "n1" });
    expect(sync.addEvent(s.id, "note", { n: 1 }, { operationId: "n1" }).version).toBe(one.version);
    expect(() => sync.addEvent(s.id, "note", {}, { operationId: "bad id" })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_INPUT" }),
    );
    expect(await codeOf(a.pause(s.id, "r", { operationId: "" }))).toBe("ERR_INVALID_INPUT");
  });

  it("the most recent 128 operation ids are kept (start's for the session's life)", async () => {
    const { a, store } = setup();
    const s = await a.start({ id: "session_retention", task: "t", mode: "m" });
    for (let i = 0; i < 130; i++) await a.addEvent(s.id, "note", { i }, { operationId: `op-${i}` });
    const ids = Object.keys((await store.get(s.id))!.operations!);
    expect(ids).toHaveLength(129);
    expect(ids).toContain("start");
    expect(ids).not.toContain("op-0");
    expect(ids).not.toContain("op-1");
    expect(ids).toContain("op-129");
  });
});
