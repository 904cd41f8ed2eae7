import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Clock,
  createManualClock,
  createMemoryStore,
  createSessionManager,
  type ManualClock,
  type SessionManager,
  type SessionStatus,
  type SessionStore,
  verifyWebhookSignature,
} from "@sessionkit/core";
import { codeOf, expectDeepEqual, expectEqual } from "../assertions.js";
import type { CaseDefinition } from "../case.js";

type Observed = Record<string, unknown>;

/** The outcome of a call: "ok" or the error code (a raw error shows as "raw:…" and fails the comparison). */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return codeOf(error) ?? `raw:${(error as Error)?.message}`;
  }
}

/**
 * A fixed lifecycle workload. Everything it observes (histories with ids normalised to s1, s2, …,
 * queries, statistics, cleanup results, notifications) must be identical on every adapter.
 */
async function lifecycleScript(store: SessionStore, clock: ManualClock): Promise<Observed> {
  const manager = createSessionManager({ store, clock });
  const names = new Map<string, string>();
  const norm = (id: string) => names.get(id) ?? `unknown:${id}`;
  const normIds = (items: Array<{ id: string }>) => items.map((item) => norm(item.id));
  const notifications: Array<[string, number, string, string]> = [];
  manager.on("*", (n) => {
    notifications.push([n.session.id, n.seq, n.event, n.session.status]);
  });
  const codes: Record<string, string> = {};
  const start = async (input: Parameters<SessionManager["start"]>[0]) => {
    clock.advance(1000);
    const session = await manager.start(input);
    names.set(session.id, `s${names.size + 1}`);
    return session.id;
  };

  const a = await start({
    task: "A",
    mode: "dev",
    userId: "u1",
    channelId: "c1",
    workspace: "/w/a",
    maxIterations: 5,
    context: { priority: "high", nested: { list: [1, "two", null] } },
    metadata: { model: "m1", team: "x" },
  });
  clock.advance(10);
  await manager.incrementIteration(
    a,
    { phase: "plan" },
    { usage: { tokens: { prompt: 10, completion: 5 }, cost: 0.5, model: "m2" } },
  );
  await manager.recordToolCall(a, "bash", { command: "npm test" }, { exitCode: 0, output: "ok ✓" });
  await manager.recordLearning(a, "edge case", "expertise/dev.md");
  await manager.updateContext(a, { step: "impl", priority: undefined });
  await manager.addEvent(a, "custom_event", { unicode: "héllo \u{1F600}", empty: "", zero: 0, no: false });
  clock.advance(100);
  await manager.pause(a, "review");
  codes.pausePaused = await outcome(manager.pause(a));
  codes.iteratePaused = await outcome(manager.incrementIteration(a));
  clock.advance(5000);
  await manager.resume(a);
  codes.resumeActive = await outcome(manager.resume(a));
  await manager.incrementIteration(a);
  await manager.complete(a, "done");
  codes.completeTwice = await outcome(manager.complete(a, "again"));
  codes.failCompleted = await outcome(manager.fail(a, "late"));
  codes.toolOnCompleted = await outcome(manager.recordToolCall(a, "x", {}, {}));
  codes.contextOnCompleted = await outcome(manager.updateContext(a, { late: true }));

  const b = await start({ task: "B", mode: "review", userId: "u1", maxIterations: 2 });
  await manager.incrementIteration(b);
  await manager.incrementIteration(b);
  await manager.pause(b, "Max iterations reached");
  const bResumable = [await manager.isResumable(b), await manager.isResumable(b, { extendIterations: 3 })];
  codes.resumeSpent = await outcome(manager.resume(b));
  await manager.resume(b, { extendIterations: 3 });
  await manager.incrementIteration(b);
  await manager.fail(b, new Error("boom"));

  const c = await start({ task: "C", mode: "dev", userId: "u2", timeoutMs: 60_000 });
  await manager.incrementIteration(c);
  clock.advance(61_000);
  codes.afterDeadline = await outcome(manager.recordLearning(c, "too late"));

  const d = await start({ task: "D", mode: "dev", userId: "u2", channelId: "c2", maxIterations: 50 });
  const race = await Promise.all([
    ...Array.from({ length: 20 }, (_, i) => outcome(manager.incrementIteration(d, { i }))),
    ...Array.from({ length: 10 }, (_, i) => outcome(manager.updateContext(d, { [`k${i}`]: i }))),
  ]);

  const e = await start({ task: "E", mode: "chat" });
  await manager.pause(e);

  const sessions: Observed[] = [];
  for (const id of [a, b, c, d, e]) {
    const full = await manager.getWithHistory(id);
    assert.ok(full, `session ${norm(id)} vanished`);
    const { history, ...session } = full;
    const events = history.map((ev) => [ev.seq, ev.timestamp, ev.type, ev.data] as const);
    sessions.push({
      ...session,
      id: norm(id),
      // The race session's interleaving may differ between adapters; its multiset of events may not.
      history: id === d ? events.map(([, t, type, data]) => JSON.stringify([t, type, data])).sort() : events,
      seqs: history.map((ev) => ev.seq),
      resumable: await manager.isResumable(id),
      duration: await manager.duration(id),
      progress: await manager.progress(id),
    });
  }
  const walkAll = async (query: Parameters<SessionManager["find"]>[0]) => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<SessionManager["find"]>> = await manager.find({ ...query, cursor });
      ids.push(...normIds(page.items));
      cursor = page.nextCursor;
    } while (cursor !== null);
    return ids;
  };
  const queries = {
    active: normIds(await manager.active()),
    paused: normIds(await manager.paused()),
    completed: normIds(await manager.completed()),
    failed: normIds(await manager.failed()),
    timedOut: normIds(await manager.timedOut()),
    activeU2: normIds(await manager.active({ userId: "u2" })),
    walk2: await walkAll({ limit: 2 }),
    devWalk: await walkAll({ mode: "dev", limit: 1 }),
    offset: normIds((await manager.find({ limit: 2, offset: 1 })).items),
    byMetadata: normIds((await manager.find({ metadata: { team: "x" } })).items),
  };
  const stats = [
    await manager.stats(),
    await manager.stats({ mode: "dev" }),
    await manager.stats({ userId: "u2" }),
  ];
  const contexts = [await manager.getContext(a), await manager.getContext(b)].map((ctx) => ({
    ...ctx,
    sessionId: norm(ctx!.sessionId),
  }));

  clock.advance(40 * 24 * 3600 * 1000);
  const f = await start({ task: "F", mode: "dev" });
  await manager.complete(f, "fresh");
  const sortNames = (ids: string[]) => ids.map(norm).sort();
  const dry = await manager.cleanup({ dryRun: true });
  const real = await manager.cleanup({ maxAgeDays: 30 });
  const afterCleanup = { stats: await manager.stats(), all: await walkAll({ limit: 3 }) };
  const deleted = [await manager.delete(e), await manager.delete(e), await manager.get(e)];
  await manager.close();
  return {
    sessions,
    race: race.sort(),
    bResumable,
    codes,
    queries,
    stats,
    contexts,
    cleanup: {
      dry: { ...dry, ids: sortNames(dry.ids) },
      real: { ...real, ids: sortNames(real.ids) },
      afterCleanup,
    },
    deleted,
    // The race session's notifications follow its interleaving; the others' are fixed.
    notifications: notifications
      .filter(([id]) => id !== d)
      .map(([id, seq, event, status]) => `${norm(id)}#${seq} ${event} → ${status}`),
    raceNotifications: notifications.filter(([id]) => id === d).length,
  };
}

const STATUSES: SessionStatus[] = ["active", "paused", "completed", "failed", "timeout"];
const OPERATIONS: Array<[string, (m: SessionManager, id: string) => Promise<unknown>]> = [
  ["pause", (m, id) => m.pause(id, "r")],
  ["resume", (m, id) => m.resume(id)],
  ["resume+extend", (m, id) => m.resume(id, { extendIterations: 2 })],
  ["complete", (m, id) => m.complete(id, "r")],
  ["fail", (m, id) => m.fail(id, "e")],
  ["incrementIteration", (m, id) => m.incrementIteration(id)],
  ["recordToolCall", (m, id) => m.recordToolCall(id, "t", {}, {})],
  ["recordLearning", (m, id) => m.recordLearning(id, "i")],
  ["addEvent", (m, id) => m.addEvent(id, "note", {})],
  ["updateContext", (m, id) => m.updateContext(id, { k: 1 })],
];

/** Every operation from every status: outcome code and resulting state; illegal ones must change nothing. */
async function transitionMatrix(store: SessionStore, clock: Clock): Promise<Observed> {
  const manager = createSessionManager({ store, clock });
  const rows: Observed = {};
  for (const [name, op] of OPERATIONS) {
    for (const status of STATUSES) {
      const s = await manager.start({ task: "t", mode: "m", maxIterations: status === "timeout" ? 1 : 5 });
      if (status === "paused") await manager.pause(s.id);
      if (status === "completed") await manager.complete(s.id, "r");
      if (status === "failed") await manager.fail(s.id, "e");
      if (status === "timeout") await manager.incrementIteration(s.id);
      const before = await manager.getWithHistory(s.id);
      const result = await outcome(op(manager, s.id));
      const after = await manager.getWithHistory(s.id);
      if (result !== "ok")
        assert.deepStrictEqual(after, before, `${name} from ${status} was refused but changed the session`);
      rows[`${name} from ${status}`] = [
        result,
        after!.status,
        after!.version,
        after!.history.map((ev) => ev.type).join(","),
      ];
    }
  }
  await manager.close();
  return rows;
}

/** SS-LC: core's lifecycle manager over this adapter must behave exactly as over the memory store. */
export const lifecycleCases: CaseDefinition[] = [
  {
    id: "SS-LC-01",
    group: "SS-LC",
    title: "a scripted lifecycle workload observes exactly what it observes on the memory store",
    async run({ open, ctx }) {
      const store = await open();
      const refClock = createManualClock(ctx.clock.now());
      const reference = createMemoryStore({ clock: refClock });
      const expected = await lifecycleScript(reference, refClock);
      await reference.close();
      const actual = await lifecycleScript(store, ctx.clock);
      expectDeepEqual(actual, expected, "actual");
    },
  },
  {
    id: "SS-LC-02",
    group: "SS-LC",
    title:
      "every row of the transition table: same outcome as the memory store; refused operations change nothing",
    async run({ open, ctx }) {
      const store = await open();
      const reference = createMemoryStore({ clock: createManualClock(ctx.clock.now()) });
      const expected = await transitionMatrix(reference, reference.clock);
      await reference.close();
      expectDeepEqual(
        await transitionMatrix(store, ctx.clock),
        expected,
        "transitionMatrix(store, ctx.clock)",
      );
    },
  },
  {
    id: "SS-LC-03",
    group: "SS-LC",
    title:
      "Promise.all([complete, recordToolCall]) and ([incrementIteration at the limit, recordLearning]): neither rejects, every event is in the history",
    async run({ open, ctx, iterations, startTogether }) {
      const manager = createSessionManager({ store: await open(), clock: ctx.clock });
      for (let round = 0; round < iterations; round++) {
        const s = await manager.start({ task: "t", mode: "m", maxIterations: 2 });
        const [done, tool] = await startTogether(2, (i) =>
          i === 0 ? manager.complete(s.id, "done") : manager.recordToolCall(s.id, "bash", { round }, "ok"),
        );
        assert.equal(
          done!.status,
          "fulfilled",
          `round ${round}: complete failed: ${String((done as PromiseRejectedResult).reason)}`,
        );
        // Event-only records are never refused for timing: both calls succeed, whichever commits first.
        assert.equal(tool!.status, "fulfilled", `round ${round}: recordToolCall failed after complete`);
        const types = (await manager.getWithHistory(s.id))!.history.map((ev) => ev.type);
        assert.deepStrictEqual(
          [...types].sort(),
          ["complete", "start", "tool_call"],
          `round ${round}: events`,
        );
        const t = await manager.start({ task: "t", mode: "m", maxIterations: 2 });
        await manager.incrementIteration(t.id);
        const [iteration, learning] = await startTogether(2, (i) =>
          i === 0 ? manager.incrementIteration(t.id) : manager.recordLearning(t.id, `insight ${round}`),
        );
        expectEqual(iteration!.status, "fulfilled", `round ${round}: incrementIteration at the limit`);
        const full = (await manager.getWithHistory(t.id))!;
        expectEqual(full.status, "timeout", `round ${round}: status after incrementIteration at the limit`);
        assert.equal(
          learning!.status,
          "fulfilled",
          `round ${round}: recordLearning failed after the timeout`,
        );
        const kinds = full.history.map((ev) => ev.type);
        assert.deepStrictEqual(
          [...kinds].sort(),
          ["iteration", "iteration", "learning", "start", "timeout"],
          `round ${round}: events`,
        );
      }
      await manager.close();
    },
  },
  {
    id: "SS-LC-04",
    group: "SS-LC",
    title: "50 concurrent increments count 50, each event exactly once",
    async run({ open, ctx, startTogether }) {
      const manager = createSessionManager({ store: await open(), clock: ctx.clock });
      for (let round = 0; round < 3; round++) {
        const s = await manager.start({ task: "t", mode: "m", maxIterations: 1000 });
        const outcomes = await startTogether(50, (i) => manager.incrementIteration(s.id, { i }));
        const rejected = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult | undefined;
        assert.equal(rejected, undefined, `an increment failed: ${String(rejected?.reason)}`);
        const full = (await manager.getWithHistory(s.id))!;
        expectEqual(
          full.iterations,
          50,
          `round ${round}: iterations after 50 concurrent incrementIteration calls (lower means lost increments)`,
        );
        const seen = full.history.filter((ev) => ev.type === "iteration").map((ev) => ev.data.i as number);
        expectDeepEqual(
          seen.sort((x, y) => x - y),
          Array.from({ length: 50 }, (_, i) => i),
          "seen.sort((x, y) => x - y)",
        );
      }
      await manager.close();
    },
  },
  {
    id: "SS-LC-05",
    group: "SS-LC",
    title: "two managers on two handles: concurrent increments and tool calls are all kept",
    requires: ["multiHandle", "reopen"],
    async run({ open, reopen, ctx, startTogether }) {
      const one = createSessionManager({ store: await open(), clock: ctx.clock });
      const two = createSessionManager({ store: await reopen(), clock: ctx.clock });
      // A few rounds, so the seeded offsets give more than one interleaving.
      for (let round = 0; round < 3; round++) {
        const s = await one.start({ task: "t", mode: "m", maxIterations: 1000 });
        const outcomes = await startTogether(40, (i) =>
          i % 2 === 0
            ? one.incrementIteration(s.id, { i })
            : two.recordToolCall(s.id, `tool${i}`, { i }, "ok"),
        );
        const failed = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult | undefined;
        assert.equal(failed, undefined, `round ${round}: an operation failed: ${String(failed?.reason)}`);
        const full = (await one.getWithHistory(s.id))!;
        expectEqual(full.iterations, 20, `round ${round}: iterations after 20 increments over two managers`);
        expectEqual(
          full.history.length,
          41,
          `round ${round}: history length, expected start + 20 iterations + 20 tool calls`,
        );
        expectEqual(
          full.metadata?.toolsUsed?.length,
          20,
          `round ${round}: metadata.toolsUsed entries after 20 tool calls`,
        );
      }
      await one.close();
      await two.close();
    },
  },
  {
    id: "SS-LC-06",
    group: "SS-LC",
    title:
      "webhooks are sent after the commit, signed, and retried after a 500 with the same idempotency key",
    async run({ open, ctx }) {
      const store = await open();
      const seen: Array<{
        id: string;
        event: string;
        verified: boolean;
        statusInStore?: string;
        result?: string;
      }> = [];
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", async () => {
          const body = Buffer.concat(chunks).toString("utf8");
          const payload = JSON.parse(body) as { id: string; event: string; session: { id: string } };
          const current = await store.get(payload.session.id);
          seen.push({
            id: String(req.headers["x-sessionkit-id"]),
            event: payload.event,
            verified: verifyWebhookSignature({
              body,
              header: req.headers["x-sessionkit-signature"],
              secret: "k",
            }),
            ...(current ? { statusInStore: current.status } : {}),
            ...(current?.result !== undefined ? { result: current.result } : {}),
          });
          res.writeHead(seen.length === 1 ? 500 : 200).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      ctx.onCleanup(() => new Promise((resolve) => server.close(resolve)));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const manager = createSessionManager({
        store,
        clock: ctx.clock,
        webhooks: { url, secret: "k", events: ["complete"], backoff: { baseMs: 5, maxMs: 20 } },
      });
      const s = await manager.start({ task: "t", mode: "m" });
      await manager.complete(s.id, "done");
      const { undelivered } = await manager.close({ timeoutMs: 10_000 });
      expectDeepEqual(undelivered, [], "undelivered");
      const expected = {
        id: `${s.id}:2`,
        event: "complete",
        verified: true,
        statusInStore: "completed",
        result: "done",
      };
      expectDeepEqual(seen, [expected, expected], "seen");
    },
  },
];
