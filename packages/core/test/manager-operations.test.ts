import { describe, expect, it } from "vitest";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  type SessionNotification,
} from "../src/index.js";
import { codeOf } from "./outcome.js";

function setup() {
  const clock = createManualClock("2026-11-24T10:00:00.000Z");
  const store = createMemoryStore({ clock });
  const manager = createSessionManager({ store });
  return { clock, store, manager };
}

describe("manager: start and the lifecycle operations", () => {
  it("start writes a `start` event {task, mode, workspace} and copies context", async () => {
    const { manager } = setup();
    const context = { priority: "high" };
    const s = await manager.start({
      task: "Implement X",
      mode: "developer",
      userId: "u1",
      channelId: "c1",
      workspace: "/w",
      maxIterations: 50,
      context,
      metadata: { model: "m1" },
    });
    context.priority = "changed";
    expect(s).toMatchObject({
      status: "active",
      iterations: 0,
      maxIterations: 50,
      userId: "u1",
      channelId: "c1",
    });
    expect(s.id).toMatch(/^session_/);
    const full = await manager.getWithHistory(s.id);
    expect(full!.context).toEqual({ priority: "high" });
    expect(full!.metadata).toEqual({ model: "m1" });
    expect(full!.history).toEqual([
      {
        seq: 1,
        timestamp: "2026-11-24T10:00:00.000Z",
        type: "start",
        data: { task: "Implement X", mode: "developer", workspace: "/w" },
      },
    ]);
  });

  it("start defaults maxIterations to 100 and refuses 0 (the seed silently used 100)", async () => {
    const { manager } = setup();
    expect((await manager.start({ task: "t", mode: "m" })).maxIterations).toBe(100);
    expect(await codeOf(manager.start({ task: "t", mode: "m", maxIterations: 0 }))).toBe("ERR_INVALID_INPUT");
  });

  it("pause keeps its details in session.pause, never in context; resume records pausedDuration", async () => {
    const { manager, clock } = setup();
    const s = await manager.start({
      task: "t",
      mode: "m",
      context: { pausedAt: "mine", pauseReason: "mine too" },
    });
    const paused = await manager.pause(s.id, "lunch");
    expect(paused.pause).toEqual({ at: "2026-11-24T10:00:00.000Z", reason: "lunch" });
    expect(paused.context).toEqual({ pausedAt: "mine", pauseReason: "mine too" });
    clock.advance(1500);
    const resumed = await manager.resume(s.id);
    expect(resumed.pause).toBeUndefined();
    expect(resumed.context).toEqual({ pausedAt: "mine", pauseReason: "mine too" });
    const history = (await manager.getWithHistory(s.id))!.history;
    expect(history[1]).toMatchObject({ type: "pause", data: { reason: "lunch" } });
    expect(history[2]).toMatchObject({ type: "resume", data: { pausedDuration: 1500 } });
  });

  it("pause without a reason records the seed's default reason in the event", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    const paused = await manager.pause(s.id);
    expect(paused.pause).toEqual({ at: "2026-11-24T10:00:00.000Z" });
    const history = (await manager.getWithHistory(s.id))!.history;
    expect(history[1]!.data).toEqual({ reason: "User requested pause" });
  });

  it("complete sets status, result, endedAt and the `complete` event in ONE commit", async () => {
    const { manager, clock } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    clock.advance(2000);
    const done = await manager.complete(s.id, "Feature implemented");
    expect(done).toMatchObject({
      status: "completed",
      result: "Feature implemented",
      endedAt: "2026-11-24T10:00:02.000Z",
      version: s.version + 1,
    });
    const history = (await manager.getWithHistory(s.id))!.history;
    expect(history.at(-1)).toMatchObject({ type: "complete", data: { result: "Feature implemented" } });
    expect(await manager.duration(s.id)).toBe(2000);
  });

  it("fail accepts an Error or a string and records an `error` event", async () => {
    const { manager } = setup();
    const a = await manager.start({ task: "t", mode: "m" });
    const b = await manager.start({ task: "t", mode: "m" });
    expect((await manager.fail(a.id, new Error("Build failed"))).error).toBe("Build failed");
    expect((await manager.fail(b.id, "plain")).error).toBe("plain");
    const history = (await manager.getWithHistory(a.id))!.history;
    expect(history.at(-1)).toMatchObject({ type: "error", data: { error: "Build failed" } });
  });

  it("incrementIteration accumulates usage into metadata and records it on the event", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m", metadata: { model: "a" } });
    await manager.incrementIteration(
      s.id,
      { phase: "plan" },
      {
        usage: { tokens: { prompt: 10, completion: 5 }, cost: 0.5, model: "b", toolsUsed: ["bash"] },
      },
    );
    const after = await manager.incrementIteration(
      s.id,
      {},
      { usage: { tokens: 7, cost: 0.25, toolsUsed: ["bash", "git"] } },
    );
    expect(after.metadata).toEqual({
      model: "b",
      cost: 0.75,
      tokens: { prompt: 10, completion: 5, total: 22 },
      toolsUsed: ["bash", "git"],
    });
    const history = (await manager.getWithHistory(s.id))!.history;
    expect(history[1]!.data).toMatchObject({ phase: "plan", usage: { cost: 0.5 } });
    expect(await codeOf(manager.incrementIteration(s.id, { usage: 1 }, { usage: { cost: 1 } }))).toBe(
      "ERR_INVALID_INPUT",
    );
  });

  it("recordToolCall writes {tool, args, result} and adds the tool to metadata.toolsUsed once", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.recordToolCall(s.id, "bash", { command: "npm test" }, { exitCode: 0 });
    const after = await manager.recordToolCall(s.id, "bash", { command: "ls" }, { exitCode: 0 });
    expect(after.metadata).toEqual({ toolsUsed: ["bash"] });
    const history = (await manager.getWithHistory(s.id))!.history;
    expect(history[1]).toMatchObject({
      type: "tool_call",
      data: { tool: "bash", args: { command: "npm test" }, result: { exitCode: 0 } },
    });
  });

  it("recordLearning writes {insight, expertiseFile}", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.recordLearning(s.id, "edge case X", "expertise/developer.md");
    const history = (await manager.getWithHistory(s.id))!.history;
    expect(history[1]).toMatchObject({
      type: "learning",
      data: { insight: "edge case X", expertiseFile: "expertise/developer.md" },
    });
  });

  it("addEvent stores custom events and refuses the core types that imply a transition", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.addEvent(s.id, "custom_event", { customField: "value" });
    for (const type of ["complete", "error", "pause", "resume", "timeout", "start", "iteration", "context"]) {
      expect(await codeOf(manager.addEvent(s.id, type, {}))).toBe("ERR_INVALID_INPUT");
    }
    expect(await codeOf(manager.addEvent(s.id, "bad type!", {}))).toBe("ERR_INVALID_INPUT");
    const full = await manager.getWithHistory(s.id);
    expect(full!.status).toBe("active");
    expect(full!.history.map((e) => e.type)).toEqual(["start", "custom_event"]);
  });

  it("updateContext shallow-merges, removes keys set to undefined, and writes a `context` event", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m", context: { a: 1, b: { x: 1 }, c: 3 } });
    const after = await manager.updateContext(s.id, { b: { y: 2 }, c: undefined, d: null });
    expect(after.context).toEqual({ a: 1, b: { y: 2 }, d: null });
    const history = (await manager.getWithHistory(s.id))!.history;
    expect(history.at(-1)).toMatchObject({
      type: "context",
      data: { set: { b: { y: 2 }, d: null }, unset: ["c"] },
    });
  });

  it("getContext returns the seed's keys plus progress, with the last 10 events oldest first", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m", workspace: "/w", maxIterations: 40 });
    for (let i = 0; i < 15; i++) await manager.incrementIteration(s.id, { i });
    const ctx = await manager.getContext(s.id);
    expect(ctx).toMatchObject({
      sessionId: s.id,
      task: "t",
      mode: "m",
      workspace: "/w",
      iterations: 15,
      maxIterations: 40,
      progress: 37.5,
      context: {},
      status: "active",
    });
    expect(ctx!.recentHistory.map((e) => e.data.i)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it("missing sessions: mutations reject ERR_SESSION_NOT_FOUND, reads return null; bad ids ERR_INVALID_ID", async () => {
    const { manager } = setup();
    const id = "session_nope";
    for (const call of [
      manager.pause(id),
      manager.resume(id),
      manager.complete(id, "x"),
      manager.fail(id, "x"),
      manager.incrementIteration(id),
      manager.recordToolCall(id, "t", {}, {}),
      manager.recordLearning(id, "x"),
      manager.addEvent(id, "custom", {}),
      manager.updateContext(id, {}),
    ]) {
      expect(await codeOf(call)).toBe("ERR_SESSION_NOT_FOUND");
    }
    expect(await manager.get(id)).toBeNull();
    expect(await manager.getWithHistory(id)).toBeNull();
    expect(await manager.getContext(id)).toBeNull();
    expect(await manager.duration(id)).toBeNull();
    expect(await manager.progress(id)).toBeNull();
    expect(await manager.delete(id)).toBe(false);
    for (const bad of ["", "..", "../etc", "session_a/b"]) {
      expect(await codeOf(manager.complete(bad, "x"))).toBe("ERR_INVALID_ID");
      expect(await codeOf(manager.get(bad))).toBe("ERR_INVALID_ID");
      expect(await codeOf(manager.delete(bad))).toBe("ERR_INVALID_ID");
    }
  });

  it("progress is capped at 100; duration of a running session counts to now", async () => {
    const { manager, clock } = setup();
    const s = await manager.start({ task: "t", mode: "m", maxIterations: 4 });
    await manager.incrementIteration(s.id);
    expect(await manager.progress(s.id)).toBe(25);
    clock.advance(700);
    expect(await manager.duration(s.id)).toBe(700);
  });
});

describe("manager: queries, statistics, cleanup", () => {
  async function populate() {
    const env = setup();
    const { manager, clock } = env;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      const s = await manager.start({
        task: `t${i}`,
        mode: i % 2 === 0 ? "dev" : "review",
        userId: i < 3 ? "u1" : "u2",
      });
      ids.push(s.id);
    }
    await manager.incrementIteration(ids[0]!);
    await manager.incrementIteration(ids[0]!);
    await manager.complete(ids[0]!, "ok");
    await manager.fail(ids[1]!, "bad");
    await manager.pause(ids[2]!);
    clock.advance(1000);
    const t = await manager.start({ task: "t", mode: "dev", maxIterations: 1, userId: "u2" });
    await manager.incrementIteration(t.id);
    ids.push(t.id);
    return { ...env, ids };
  }

  it("active/paused/completed/failed/timedOut return every match, with filters", async () => {
    const { manager, ids } = await populate();
    expect((await manager.active()).map((s) => s.id).sort()).toEqual([ids[3], ids[4], ids[5]].sort());
    expect((await manager.active({ userId: "u2", mode: "review" })).map((s) => s.id)).toEqual([
      ids[5],
      ids[3],
    ]);
    expect((await manager.paused()).map((s) => s.id)).toEqual([ids[2]]);
    expect((await manager.completed()).map((s) => s.id)).toEqual([ids[0]]);
    expect((await manager.failed({ userId: "u1" })).map((s) => s.id)).toEqual([ids[1]]);
    expect((await manager.timedOut()).map((s) => s.id)).toEqual([ids[6]]);
  });

  it("find paginates with cursors and with offset, newest first", async () => {
    const { manager, ids } = await populate();
    const newestFirst = [...ids].reverse();
    const first = await manager.find({ limit: 3 });
    expect(first.items.map((s) => s.id)).toEqual(newestFirst.slice(0, 3));
    const second = await manager.find({ limit: 3, cursor: first.nextCursor });
    expect(second.items.map((s) => s.id)).toEqual(newestFirst.slice(3, 6));
    const offset = await manager.find({ limit: 2, offset: 4 });
    expect(offset.items.map((s) => s.id)).toEqual(newestFirst.slice(4, 6));
    const next = await manager.find({ limit: 2, cursor: offset.nextCursor });
    expect(next.items.map((s) => s.id)).toEqual(newestFirst.slice(6));
    expect((await manager.find({ offset: 50 })).items).toEqual([]);
    expect(
      (await manager.find({ userId: "u1", status: ["active", "paused"] })).items.map((s) => s.id),
    ).toEqual([ids[2]]);
    expect(await codeOf(manager.find({ offset: -1 }))).toBe("ERR_INVALID_QUERY");
  });

  it("stats: total, by status, by mode, average iterations, success rate", async () => {
    const { manager } = await populate();
    const stats = await manager.stats();
    expect(stats).toMatchObject({
      total: 7,
      byStatus: { active: 3, paused: 1, completed: 1, failed: 1, timeout: 1 },
      byMode: { dev: 4, review: 3 },
      averageIterations: 3 / 7,
      successRate: (1 / 7) * 100,
    });
    expect((await manager.stats({ userId: "u1" })).total).toBe(3);
  });

  it("cleanup removes terminal sessions older than maxAgeDays; dryRun only reports", async () => {
    const { manager, clock, ids } = await populate();
    clock.advance(31 * 24 * 3600 * 1000);
    const fresh = await manager.start({ task: "new", mode: "dev" });
    await manager.complete(fresh.id, "ok");
    const dry = await manager.cleanup({ dryRun: true });
    expect(dry).toEqual({ count: 3, ids: [ids[0], ids[1], ids[6]].sort(), dryRun: true });
    expect((await manager.stats()).total).toBe(8);
    const real = await manager.cleanup();
    expect(real).toEqual({ ...dry, dryRun: false });
    expect(await manager.get(ids[0]!)).toBeNull();
    expect(await manager.get(fresh.id)).not.toBeNull();
    expect((await manager.cleanup({ maxAgeDays: 0, statuses: ["paused"] })).ids).toEqual([ids[2]]);
  });

  it("delete removes a session and its history", async () => {
    const { manager, ids } = await populate();
    expect(await manager.delete(ids[0]!)).toBe(true);
    expect(await manager.getWithHistory(ids[0]!)).toBeNull();
    expect(await manager.delete(ids[0]!)).toBe(false);
  });
});

describe("manager: listeners, export/import, close", () => {
  it("listeners get every committed event after the commit; a throwing listener never breaks the caller", async () => {
    const clock = createManualClock();
    const store = createMemoryStore({ clock });
    const errors: string[] = [];
    const manager = createSessionManager({ store, onListenerError: (_e, name) => errors.push(name) });
    const seen: SessionNotification[] = [];
    const statuses: string[] = [];
    manager.on("*", (n) => {
      seen.push(n);
    });
    manager.on("complete", async (n) => {
      statuses.push((await store.get(n.session.id))!.status);
    });
    manager.on("complete", () => {
      throw new Error("listener bug");
    });
    const off = manager.on("iteration", async () => {
      throw new Error("async listener bug");
    });
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.incrementIteration(s.id);
    off();
    await manager.incrementIteration(s.id);
    const done = await manager.complete(s.id, "r");
    await new Promise((resolve) => setImmediate(resolve));
    expect(done.status).toBe("completed");
    expect(seen.map((n) => [n.event, n.id])).toEqual([
      ["start", `${s.id}:1`],
      ["iteration", `${s.id}:2`],
      ["iteration", `${s.id}:3`],
      ["complete", `${s.id}:4`],
    ]);
    expect(seen[3]).toMatchObject({
      version: 1,
      session: { id: s.id, status: "completed", task: "t", mode: "m" },
      data: { result: "r" },
    });
    expect(seen[0]!.data).toMatchObject({ maxIterations: 100 });
    expect(statuses).toEqual(["completed"]);
    expect(errors.sort()).toEqual(["complete", "iteration"]);
  });

  it("exportSessions/importSessions move sessions with their histories to another store", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.recordToolCall(s.id, "bash", { a: 1 }, "ok");
    await manager.complete(s.id, "done");
    const lines: string[] = [];
    for await (const line of manager.exportSessions()) lines.push(line);
    const other = createSessionManager({ store: createMemoryStore() });
    expect(await other.importSessions(lines)).toEqual({ sessions: 1, events: 3 });
    expect(await other.getWithHistory(s.id)).toEqual(await manager.getWithHistory(s.id));
  });

  it("after close() every call rejects with ERR_STORE_CLOSED; close is idempotent and leaves the store open", async () => {
    const { manager, store } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    expect(await manager.close()).toEqual({ undelivered: [] });
    expect(await manager.close()).toEqual({ undelivered: [] });
    expect(await codeOf(manager.complete(s.id, "x"))).toBe("ERR_STORE_CLOSED");
    expect(await codeOf(manager.get(s.id))).toBe("ERR_STORE_CLOSED");
    expect((await store.get(s.id))!.status).toBe("active");
  });

  it("options are validated once, at creation", () => {
    const store = createMemoryStore();
    expect(() => createSessionManager({ store: {} as never })).toThrow(/store/);
    expect(() => createSessionManager({ store, maxCommitRetries: -1 })).toThrow(/maxCommitRetries/);
    expect(() => createSessionManager({ store, webhooks: { url: "ftp://x" } })).toThrow(/url/);
    expect(() => createSessionManager({ store, unknown: 1 } as never)).toThrow();
  });
});
