import { describe, expect, it } from "vitest";
import { createMemoryDriver, defineSessionStore } from "../src/driver-entry.js";
import {
  createManualClock,
  createMemoryStore,
  isSessionKitError,
  type JsonValue,
  type SessionStore,
} from "../src/index.js";
import { codeOf } from "./outcome.js";

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function setup() {
  const clock = createManualClock("2026-11-24T10:00:00.000Z");
  const store = createMemoryStore({ clock });
  return { clock, store };
}

describe("memory store: create and read", () => {
  it("create() returns version 1, createdAt == updatedAt == clock, and get() deep-equals it", async () => {
    const { store } = setup();
    const { session, events } = await store.create(
      { mode: "developer", task: "Implement X", userId: "u1", context: { priority: "high" } },
      { events: [{ type: "start", data: { task: "Implement X" } }] },
    );
    expect(session.id).toMatch(/^session_[A-Za-z0-9]{21}$/);
    expect(session).toMatchObject({
      version: 1,
      eventCount: 1,
      status: "active",
      iterations: 0,
      maxIterations: 100,
    });
    expect(session.createdAt).toBe("2026-11-24T10:00:00.000Z");
    expect(session.updatedAt).toBe(session.createdAt);
    expect(events).toEqual([
      { seq: 1, timestamp: session.createdAt, type: "start", data: { task: "Implement X" } },
    ]);
    expect(await store.get(session.id)).toEqual(session);
  });

  it("get(id) returns null for an unknown id", async () => {
    const { store } = setup();
    expect(await store.get("session_unknown")).toBeNull();
    expect(await store.getWithHistory("session_unknown")).toBeNull();
  });

  it("create() with an existing id rejects with ERR_SESSION_EXISTS and leaves the original", async () => {
    const { store } = setup();
    const { session } = await store.create({ id: "session_fixed", mode: "m", task: "first" });
    expect(await codeOf(store.create({ id: "session_fixed", mode: "m", task: "second" }))).toBe(
      "ERR_SESSION_EXISTS",
    );
    expect(await store.get("session_fixed")).toEqual(session);
  });

  it("the caller's context object is copied, never kept by reference", async () => {
    const { store } = setup();
    const context = { list: [1] };
    const { session } = await store.create({ mode: "m", task: "t", context });
    context.list.push(2);
    expect((await store.get(session.id))?.context).toEqual({ list: [1] });
  });

  it("maxIterations 0 is refused instead of silently becoming 100", async () => {
    const { store } = setup();
    expect(await codeOf(store.create({ mode: "m", task: "t", maxIterations: 0 }))).toBe("ERR_INVALID_INPUT");
  });
});

describe("memory store: ids are validated before any work", () => {
  const bad = [
    "",
    ".",
    "..",
    "a/b",
    "a\\b",
    "session_\u0000",
    "\u0000",
    "session_../x",
    `session_${"x".repeat(10_000)}`,
    "../etc",
    " session_a",
  ];
  for (const id of bad) {
    it(`refuses ${JSON.stringify(id.length > 30 ? `${id.slice(0, 20)}…` : id)} with ERR_INVALID_ID on every method`, async () => {
      let touched = 0;
      const driver = createMemoryDriver();
      const spy = new Proxy(driver, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver);
          if (typeof value === "function" && key !== "close") {
            return (...args: unknown[]) => {
              touched += 1;
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          }
          return value;
        },
      });
      const store = defineSessionStore(spy);
      const calls: Array<Promise<unknown>> = [
        store.get(id),
        store.getWithHistory(id),
        store.commit(id, { events: [{ type: "x" }] }),
        store.readEvents(id),
        store.delete(id),
        store.create({ id, mode: "m", task: "t" }),
      ];
      for (const call of calls) expect(await codeOf(call)).toBe("ERR_INVALID_ID");
      expect(
        store.sync
          ? (() => {
              try {
                store.sync().get(id);
                return "returned";
              } catch (error) {
                return isSessionKitError(error) ? error.code : "raw";
              }
            })()
          : "",
      ).toBe("ERR_INVALID_ID");
      expect(touched).toBe(0);
    });
  }
});

describe("memory store: optimistic concurrency", () => {
  it("8 concurrent commits with the same expected version: exactly one succeeds, 7 get ERR_VERSION_CONFLICT (× 50)", async () => {
    const { store } = setup();
    for (let round = 0; round < 50; round++) {
      const { session } = await store.create({ mode: "m", task: `round ${round}` });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const attempts = Array.from({ length: 8 }, (_, writer) =>
        gate.then(() =>
          store.commit(session.id, {
            expectedVersion: 1,
            patch: { context: { writer } },
            events: [{ type: "note", data: { writer } }],
          }),
        ),
      );
      release();
      const results = await Promise.allSettled(attempts);
      const winners = results.filter((r) => r.status === "fulfilled");
      const codes = results.flatMap((r) =>
        r.status === "rejected" && isSessionKitError(r.reason) ? [r.reason.code] : [],
      );
      expect(winners).toHaveLength(1);
      expect(codes).toEqual(Array(7).fill("ERR_VERSION_CONFLICT"));
      const after = await store.getWithHistory(session.id);
      expect(after?.version).toBe(2);
      expect(after?.history).toHaveLength(1);
      expect(after?.context).toEqual({ writer: after?.history[0]?.data.writer });
    }
  });

  it("a stale commit changes nothing and the error carries both versions", async () => {
    const { store } = setup();
    const { session } = await store.create({ mode: "m", task: "t" });
    await store.commit(session.id, { patch: { iterations: 1 } });
    const error = await store
      .commit(session.id, { expectedVersion: 1, patch: { iterations: 5 } })
      .catch((e) => e);
    expect(error.code).toBe("ERR_VERSION_CONFLICT");
    expect(error.details).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
    expect((await store.get(session.id))?.iterations).toBe(1);
  });

  it("unconditional concurrent appends keep every event exactly once with contiguous seq", async () => {
    const { store } = setup();
    const { session } = await store.create({ mode: "m", task: "t" });
    await Promise.all(
      Array.from({ length: 8 }, (_, writer) =>
        Promise.all(
          Array.from({ length: 5 }, (_, n) =>
            store.commit(session.id, { events: [{ type: "note", data: { writer, n } }] }),
          ),
        ),
      ),
    );
    const events = await store.readEvents(session.id);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const keys = new Set(events.map((e) => `${e.data.writer}:${e.data.n}`));
    expect(keys.size).toBe(40);
    expect((await store.get(session.id))?.version).toBe(41);
  });

  it("delete with a stale expected version is refused and the session survives", async () => {
    const { store } = setup();
    const { session } = await store.create({ mode: "m", task: "t" });
    await store.commit(session.id, {});
    expect(await codeOf(store.delete(session.id, { expectedVersion: 1 }))).toBe("ERR_VERSION_CONFLICT");
    expect(await store.get(session.id)).not.toBeNull();
    expect(await store.delete(session.id, { expectedVersion: 2 })).toBe(true);
    expect(await store.delete(session.id)).toBe(false);
  });
});

describe("memory store: commit and events", () => {
  it("a batch with one invalid event persists nothing", async () => {
    const { store } = setup();
    const { session } = await store.create({ mode: "m", task: "t" });
    const code = await codeOf(
      store.commit(session.id, { patch: { iterations: 3 }, events: [{ type: "ok" }, { type: "bad type!" }] }),
    );
    expect(code).toBe("ERR_INVALID_INPUT");
    expect(await store.get(session.id)).toEqual(session);
  });

  it("commit on a missing session rejects with ERR_SESSION_NOT_FOUND", async () => {
    const { store } = setup();
    expect(await codeOf(store.commit("session_missing", { events: [{ type: "x" }] }))).toBe(
      "ERR_SESSION_NOT_FOUND",
    );
    expect(await codeOf(store.readEvents("session_missing"))).toBe("ERR_SESSION_NOT_FOUND");
  });

  it("null in a patch removes an optional field; undefined leaves it", async () => {
    const { store, clock } = setup();
    const { session } = await store.create({ mode: "m", task: "t", result: "r", workspace: "/w" });
    clock.advance(5);
    const { session: next } = await store.commit(session.id, {
      patch: { result: null, workspace: undefined },
    });
    expect(next.result).toBeUndefined();
    expect("result" in next).toBe(false);
    expect(next.workspace).toBe("/w");
    expect(next.updatedAt).toBe("2026-11-24T10:00:00.005Z");
    expect(next.createdAt).toBe(session.createdAt);
  });

  it("readEvents honours fromSeq, toSeq, limit and last", async () => {
    const { store } = setup();
    const { session } = await store.create({ mode: "m", task: "t" }, { events: [{ type: "start" }] });
    for (let i = 0; i < 14; i++)
      await store.commit(session.id, { events: [{ type: "iteration", data: { i } }] });
    expect((await store.readEvents(session.id, { fromSeq: 3, toSeq: 5 })).map((e) => e.seq)).toEqual([
      3, 4, 5,
    ]);
    expect((await store.readEvents(session.id, { fromSeq: 10, limit: 2 })).map((e) => e.seq)).toEqual([
      10, 11,
    ]);
    expect((await store.readEvents(session.id, { last: 10 })).map((e) => e.seq)).toEqual([
      6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ]);
    expect(await store.readEvents(session.id, { fromSeq: 100 })).toEqual([]);
    expect(await codeOf(store.readEvents(session.id, { last: 0 }))).toBe("ERR_INVALID_INPUT");
    expect(await codeOf(store.readEvents(session.id, { last: 2, fromSeq: 1 }))).toBe("ERR_INVALID_INPUT");
  });
});

describe("memory store: fidelity", () => {
  const matrix: Record<string, unknown> = {
    null: null,
    false: false,
    zero: 0,
    negative: -1.5,
    empty: "",
    nullString: "null",
    falseString: "false",
    numberString: "42",
    jsonString: '{"x":1}',
    emptyArray: [],
    emptyObject: {},
    nested: { deep: [null, false, 0, "", { x: [] }] },
    unicode: "héllo 👩‍👩‍👧 مرحبا e\u0301 \u00e9",
    nul: "a\u0000b",
    loneHigh: "\ud83d",
    loneLow: "x\ude00y",
    big: "x".repeat(1024 * 1024),
    precise: 0.1 + 0.2,
    maxInt: Number.MAX_SAFE_INTEGER,
    "key.with.dots": 1,
    $dollar: 2,
  };
  Object.defineProperty(matrix, "__proto__", {
    value: { polluted: true },
    enumerable: true,
    writable: true,
    configurable: true,
  });

  it("the value matrix round-trips exactly through create, commit, events and list", async () => {
    const { store } = setup();
    const { session } = await store.create({
      mode: "m",
      task: "\u0000task\ud800",
      context: matrix,
      metadata: { matrix: matrix as JsonValue },
    });
    await store.commit(session.id, {
      events: [{ type: "data", data: matrix }],
      patch: { result: "\ud83d\u0000" },
    });
    const full = await store.getWithHistory(session.id);
    expect(full?.context).toEqual(JSON.parse(JSON.stringify(matrix)));
    expect(Object.hasOwn(full!.context, "__proto__")).toBe(true);
    expect(full?.history[0]?.data).toEqual(full?.context);
    expect(full?.task).toBe("\u0000task\ud800");
    expect(full?.result).toBe("\ud83d\u0000");
    expect((full!.context.big as string).length).toBe(1024 * 1024);
    const page = await store.list();
    expect(page.items[0]?.metadata).toEqual({ matrix: full?.context });
  });

  it("undefined members are dropped like JSON and non-JSON values are refused", async () => {
    const { store } = setup();
    const { session } = await store.create({ mode: "m", task: "t", context: { a: undefined, b: 1 } });
    expect(session.context).toEqual({ b: 1 });
    expect(Object.hasOwn(session.context, "a")).toBe(false);
    for (const value of [
      () => 1,
      Symbol("s"),
      10n,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      new Date(),
      new Map(),
    ]) {
      expect(await codeOf(store.create({ mode: "m", task: "t", context: { value } }))).toBe(
        "ERR_INVALID_INPUT",
      );
    }
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(await codeOf(store.create({ mode: "m", task: "t", context: cycle }))).toBe("ERR_INVALID_INPUT");
  });

  it("timestamps are ISO strings with milliseconds everywhere", async () => {
    const { store, clock } = setup();
    clock.set("2026-11-24T10:00:00.001Z");
    const { session } = await store.create({ mode: "m", task: "t" }, { events: [{ type: "start" }] });
    clock.advance(998);
    const { session: next, events } = await store.commit(session.id, { events: [{ type: "x" }] });
    for (const value of [
      session.createdAt,
      next.updatedAt,
      events[0]!.timestamp,
      (await store.list()).items[0]!.updatedAt,
    ]) {
      expect(value).toMatch(ISO_MS);
    }
    expect(session.createdAt).toBe("2026-11-24T10:00:00.001Z");
    expect(next.updatedAt).toBe("2026-11-24T10:00:00.999Z");
  });

  it("a payload above the limit is refused and nothing is written", async () => {
    const clock = createManualClock();
    const store = createMemoryStore({ clock, maxPayloadBytes: 64 * 1024 });
    const { session } = await store.create({ mode: "m", task: "t" });
    expect(
      await codeOf(
        store.commit(session.id, { events: [{ type: "big", data: { s: "x".repeat(70 * 1024) } }] }),
      ),
    ).toBe("ERR_PAYLOAD_TOO_LARGE");
    expect(await codeOf(store.create({ mode: "m", task: "x".repeat(70 * 1024) }))).toBe(
      "ERR_PAYLOAD_TOO_LARGE",
    );
    expect(await store.get(session.id)).toEqual(session);
    expect(await store.count()).toBe(1);
  });
});

describe("memory store: queries", () => {
  async function seed(store: SessionStore, clock: ReturnType<typeof createManualClock>) {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      if (i % 3 === 0) clock.advance(1000); // groups of three share a createdAt: ties
      const { session } = await store.create({
        id: `session_${String.fromCharCode(97 + i)}${i}`,
        mode: i % 2 ? "developer" : "reviewer",
        task: `t${i}`,
        userId: i % 4 === 0 ? "alice" : "bob",
        metadata: { n: i, parity: i % 2 === 0, tag: i % 2 === 0 ? "1" : 1 },
      });
      ids.push(session.id);
    }
    return ids;
  }

  it("orders newest first with ties broken by id descending", async () => {
    const { store, clock } = setup();
    await seed(store, clock);
    const page = await store.list({ limit: 100 });
    const keys = page.items.map((s) => `${s.createdAt}|${s.id}`);
    const sorted = [...keys].sort().reverse();
    expect(keys).toEqual(sorted);
    expect(page.nextCursor).toBeNull();
  });

  it("cursor walks with every page size visit each session exactly once", async () => {
    const { store, clock } = setup();
    const ids = await seed(store, clock);
    for (let size = 1; size <= 13; size++) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<SessionStore["list"]>> = await store.list({ limit: size, cursor });
        seen.push(...page.items.map((s) => s.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual([...ids].sort());
    }
  });

  it("filters match exactly, metadata type-exact", async () => {
    const { store, clock } = setup();
    await seed(store, clock);
    expect(await store.count({ userId: "alice" })).toBe(3);
    expect(await store.count({ mode: "developer", userId: "bob" })).toBe(6);
    expect(await store.count({ metadata: { tag: "1" } })).toBe(6);
    expect(await store.count({ metadata: { tag: 1 } })).toBe(6);
    expect(await store.count({ metadata: { parity: true, tag: 1 } })).toBe(0);
    expect(await store.count({ createdAfter: "2026-11-24T10:00:02.000Z" })).toBe(9);
    expect(await store.count({ createdBefore: "2026-11-24T10:00:02.000Z" })).toBe(6);
    expect(await store.count({ status: ["active", "paused"] })).toBe(12);
  });

  it("bad queries and foreign cursors are refused with typed errors", async () => {
    const { store, clock } = setup();
    await seed(store, clock);
    const first = await store.list({ limit: 2 });
    expect(await codeOf(store.list({ limit: 2, cursor: first.nextCursor, userId: "alice" }))).toBe(
      "ERR_INVALID_CURSOR",
    );
    expect(await codeOf(store.list({ cursor: "garbage!" }))).toBe("ERR_INVALID_CURSOR");
    expect(await codeOf(store.list({ cursor: Buffer.from("{}").toString("base64url") }))).toBe(
      "ERR_INVALID_CURSOR",
    );
    expect(await codeOf(store.list({ limit: 0 }))).toBe("ERR_INVALID_QUERY");
    expect(await codeOf(store.list({ status: [] }))).toBe("ERR_INVALID_QUERY");
    expect(await codeOf(store.list({ createdAfter: "yesterday" }))).toBe("ERR_INVALID_QUERY");
    expect(await codeOf(store.list({ unknown: 1 } as never))).toBe("ERR_INVALID_QUERY");
  });

  it("stats match the seed's definitions", async () => {
    const { store, clock } = setup();
    const ids = await seed(store, clock);
    await store.commit(ids[0]!, {
      patch: { status: "completed", iterations: 3 },
      events: [{ type: "complete" }],
    });
    await store.commit(ids[1]!, { patch: { status: "failed", iterations: 1 } });
    const stats = await store.stats();
    expect(stats).toEqual({
      total: 12,
      byStatus: { active: 10, paused: 0, completed: 1, failed: 1, timeout: 0 },
      byMode: { developer: 6, reviewer: 6 },
      averageIterations: 4 / 12,
      successRate: (1 / 12) * 100,
      events: 1,
    });
    expect(await store.stats({ userId: "nobody" })).toMatchObject({
      total: 0,
      averageIterations: 0,
      successRate: 0,
    });
  });
});

describe("memory store: prune, delete, import, close", () => {
  it("prune removes exactly the terminal sessions last changed before the cutoff; dry run removes nothing", async () => {
    const { store, clock } = setup();
    const old = await store.create({ mode: "m", task: "old" });
    await store.commit(old.session.id, { patch: { status: "completed" } });
    const active = await store.create({ mode: "m", task: "active old" });
    clock.advance(60_000);
    const boundary = await store.create({ mode: "m", task: "boundary" });
    await store.commit(boundary.session.id, { patch: { status: "failed" } });
    const cutoff = new Date(clock.now()).toISOString();
    const dry = await store.prune({ olderThan: cutoff, dryRun: true });
    expect(dry).toEqual({ count: 1, ids: [old.session.id], dryRun: true });
    expect(await store.count()).toBe(3);
    const real = await store.prune({ olderThan: cutoff });
    expect(real).toEqual({ count: 1, ids: [old.session.id], dryRun: false });
    expect(await store.get(old.session.id)).toBeNull();
    expect(await store.get(active.session.id)).not.toBeNull();
    expect(await store.get(boundary.session.id)).not.toBeNull();
  });

  it("importSession restores a session exactly, refuses duplicates unless overwrite", async () => {
    const { store } = setup();
    const { session } = await store.create({ mode: "m", task: "t" }, { events: [{ type: "start" }] });
    const full = (await store.getWithHistory(session.id))!;
    const { history, ...state } = full;
    const other = createMemoryStore({ clock: createManualClock("2030-01-01T00:00:00.000Z") });
    await other.importSession(state, history);
    expect(await other.getWithHistory(session.id)).toEqual(full);
    expect(await codeOf(other.importSession(state, history))).toBe("ERR_SESSION_EXISTS");
    await other.importSession({ ...state, task: "replaced" }, history, { overwrite: true });
    expect((await other.get(session.id))?.task).toBe("replaced");
    expect(await codeOf(other.importSession({ ...state, eventCount: 5 }, history))).toBe("ERR_INVALID_INPUT");
  });

  it("sync() gives a synchronous face of the same data", async () => {
    const { store } = setup();
    const sync = store.sync();
    const { session } = sync.create({ mode: "m", task: "t" });
    sync.commit(session.id, { events: [{ type: "x" }] });
    expect(await store.readEvents(session.id)).toHaveLength(1);
    expect(sync.stats().total).toBe(1);
  });

  it("after close() every operation rejects with ERR_STORE_CLOSED; close is idempotent", async () => {
    const { store } = setup();
    const { session } = await store.create({ mode: "m", task: "t" });
    await store.close();
    await store.close();
    expect(await codeOf(store.get(session.id))).toBe("ERR_STORE_CLOSED");
    expect(await codeOf(store.list())).toBe("ERR_STORE_CLOSED");
    expect(() => store.sync()).toThrow(/closed/);
  });
});

describe("memory store: size limit on commits", () => {
  it("a patch that grows the record past the limit is refused; events-only appends are checked per event", async () => {
    const store = createMemoryStore({ maxPayloadBytes: 32 * 1024 });
    const { session } = await store.create({ mode: "m", task: "t", context: { a: "x".repeat(30 * 1024) } });
    const grow = store.commit(session.id, { patch: { context: { a: "x".repeat(33 * 1024) } } });
    await expect(grow).rejects.toMatchObject({ code: "ERR_PAYLOAD_TOO_LARGE" });
    const bigEvent = store.commit(session.id, {
      events: [{ type: "x", data: { s: "y".repeat(33 * 1024) } }],
    });
    await expect(bigEvent).rejects.toMatchObject({ code: "ERR_PAYLOAD_TOO_LARGE" });
    const { session: next } = await store.commit(session.id, {
      events: [{ type: "x", data: { s: "small" } }],
    });
    expect(next.version).toBe(2);
    expect((await store.get(session.id))?.context).toEqual(session.context);
  });
});
