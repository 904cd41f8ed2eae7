import assert from "node:assert/strict";
import type { SessionEvent, SessionStore } from "@sessionkit/core";
import { assertTyped, expectCode, expectDeepEqual, expectEqual, freshId, input, iso } from "../assertions.js";
import type { CaseDefinition, CaseEnv } from "../case.js";

type Appender = Pick<SessionStore, "commit">;

/** Checks seq 1..n contiguous, every (writer, k) present once, each writer's events in its own order. */
export function assertAppendInvariants(
  history: SessionEvent[],
  expected: Map<string, number>,
  what: string,
): void {
  for (const [index, event] of history.entries())
    assert.equal(event.seq, index + 1, `${what}: seq ${event.seq} at position ${index + 1}`);
  const seen = new Map<string, number[]>();
  for (const event of history) {
    const data = event.data as { writer?: unknown; k?: unknown };
    if (data.writer === undefined) continue;
    const list = seen.get(String(data.writer)) ?? [];
    list.push(Number(data.k));
    seen.set(String(data.writer), list);
  }
  for (const [writer, count] of expected) {
    const list = seen.get(writer) ?? [];
    assert.deepStrictEqual(
      list,
      Array.from({ length: count }, (_, k) => k),
      `${what}: events of writer ${writer} lost, doubled or reordered`,
    );
  }
}

async function concurrentAppends(
  env: CaseEnv,
  handles: Appender[],
  writers: number,
  batch: number,
  rounds: number,
): Promise<void> {
  const store = await env.open();
  for (let round = 0; round < rounds; round++) {
    const id = freshId("ev");
    await store.create(input({ id }), { events: [{ type: "start" }] });
    const outcomes = await env.startTogether(writers, (w) =>
      handles[w % handles.length]!.commit(id, {
        events: Array.from({ length: batch }, (_, k) => ({ type: "append", data: { writer: `w${w}`, k } })),
      }),
    );
    for (const outcome of outcomes)
      if (outcome.status === "rejected") assertTyped(outcome.reason, "concurrent append");
    const ok = outcomes.filter((outcome) => outcome.status === "fulfilled").length;
    assert.equal(ok, writers, "every unconditional append must succeed");
    const final = (await store.getWithHistory(id))!;
    const expected = new Map(Array.from({ length: writers }, (_, w) => [`w${w}`, batch] as const));
    assert.equal(final.eventCount, 1 + writers * batch, "eventCount");
    assert.equal(final.version, 1 + writers, "version");
    expectEqual(final.history.length, final.eventCount, "final.history.length");
    assertAppendInvariants(final.history, expected, `round ${round}`);
    for (const outcome of outcomes) {
      if (outcome.status !== "fulfilled") continue;
      const seqs = outcome.value.events.map((event) => event.seq);
      assert.deepStrictEqual(
        seqs,
        Array.from({ length: batch }, (_, k) => seqs[0]! + k),
        "a batch must occupy contiguous seqs",
      );
      for (const event of outcome.value.events)
        assert.deepStrictEqual(final.history[event.seq - 1], event, "returned event differs from stored");
    }
  }
}

/** SS-EV: appending events. */
export const eventCases: CaseDefinition[] = [
  {
    id: "SS-EV-01",
    group: "SS-EV",
    title: "appends get contiguous seq from 1 and the commit's timestamp; readEvents returns them in order",
    async run({ open, ctx }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }), { events: [{ type: "start" }] });
      const all: SessionEvent[] = (await store.readEvents(id)).slice();
      for (let k = 0; k < 5; k++) {
        ctx.clock.advance(3);
        const { session, events } = await store.commit(id, {
          events: [{ type: "iteration", data: { k } }, { type: "tool_call" }],
        });
        expectDeepEqual(
          events,
          [
            { seq: 2 + k * 2, timestamp: iso(ctx.clock.now()), type: "iteration", data: { k } },
            { seq: 3 + k * 2, timestamp: iso(ctx.clock.now()), type: "tool_call", data: {} },
          ],
          "events",
        );
        expectEqual(session.eventCount, 3 + k * 2, "session.eventCount");
        all.push(...events);
      }
      expectDeepEqual(await store.readEvents(id), all, "store.readEvents(id)");
      expectDeepEqual(
        (await store.getWithHistory(id))?.history,
        all,
        "(await store.getWithHistory(id))?.history",
      );
    },
  },
  {
    id: "SS-EV-02",
    group: "SS-EV",
    title:
      "a batch is all or nothing: one bad or oversized event stores none and leaves version and eventCount",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }), { events: [{ type: "start" }] });
      const before = await store.getWithHistory(id);
      const huge = "x".repeat(store.capabilities.maxPayloadBytes + 1);
      await expectCode(
        store.commit(id, { events: [{ type: "ok" }, { type: "bad type!" }] }),
        "ERR_INVALID_INPUT",
        "batch with a bad type",
      );
      await expectCode(
        store.commit(id, { events: [{ type: "ok" }, { type: "big", data: { huge } }] }),
        "ERR_PAYLOAD_TOO_LARGE",
        "batch with an oversized event",
      );
      expectDeepEqual(await store.getWithHistory(id), before, "store.getWithHistory(id)");
    },
  },
  {
    id: "SS-EV-03",
    group: "SS-EV",
    title: "an append with a stale expectedVersion stores nothing",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }));
      await store.commit(id, { events: [{ type: "a" }] });
      await expectCode(
        store.commit(id, { expectedVersion: 1, events: [{ type: "stale" }] }),
        "ERR_VERSION_CONFLICT",
        "stale append",
      );
      expectDeepEqual(
        (await store.readEvents(id)).map((event) => event.type),
        ["a"],
        "(await store.readEvents(id)).map((event) => event.type)",
      );
      expectEqual((await store.get(id))?.eventCount, 1, "(await store.get(id))?.eventCount");
    },
  },
  {
    id: "SS-EV-04",
    group: "SS-EV",
    title:
      "8 concurrent batches of 5 on one handle: every event exactly once, gap-free, batches contiguous (× iterations)",
    async run(env) {
      await concurrentAppends(env, [await env.open()], 8, 5, env.iterations);
    },
  },
  {
    id: "SS-EV-05",
    group: "SS-EV",
    title: "concurrent batches over two handles: every event exactly once, gap-free (× iterations)",
    requires: ["multiHandle", "reopen"],
    async run(env) {
      await concurrentAppends(env, [await env.open(), await env.reopen()], 8, 5, env.iterations);
    },
  },
  {
    id: "SS-EV-06",
    group: "SS-EV",
    title: "concurrent batches from this process and two child processes: every event exactly once",
    requires: ["multiProcess", "child"],
    async run(env) {
      const children = await Promise.all([env.child(), env.child()]);
      await concurrentAppends(
        env,
        [await env.open(), ...children],
        6,
        4,
        Math.max(3, Math.ceil(env.iterations / 5)),
      );
    },
  },
  {
    id: "SS-EV-07",
    group: "SS-EV",
    title:
      "appending to an unknown or deleted session rejects with ERR_SESSION_NOT_FOUND and creates nothing",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await expectCode(
        store.commit(id, { events: [{ type: "x" }] }),
        "ERR_SESSION_NOT_FOUND",
        "append to unknown",
      );
      await store.create(input({ id }));
      await store.delete(id);
      await expectCode(
        store.commit(id, { events: [{ type: "x" }] }),
        "ERR_SESSION_NOT_FOUND",
        "append to deleted",
      );
      expectEqual(await store.get(id), null, "store.get(id)");
      await expectCode(store.readEvents(id), "ERR_SESSION_NOT_FOUND", "readEvents of deleted");
    },
  },
  {
    id: "SS-EV-08",
    group: "SS-EV",
    title: "readers during concurrent appends always see a state consistent with its history (× iterations)",
    async run(env) {
      const store = await env.open();
      const readers: Array<Pick<SessionStore, "getWithHistory">> = [store];
      if (env.capabilities.multiHandle && env.harness.reopen) readers.push(await env.reopen());
      for (let round = 0; round < env.iterations; round++) {
        const id = freshId("rd");
        await store.create(input({ id }));
        const outcomes = await env.startTogether(12, async (w) => {
          if (w % 2 === 0) {
            await store.commit(id, {
              patch: { iterations: w },
              events: [
                { type: "a", data: { writer: `w${w}`, k: 0 } },
                { type: "b", data: { writer: `w${w}`, k: 1 } },
              ],
            });
            return null;
          }
          return readers[w % readers.length]!.getWithHistory(id);
        });
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") assertTyped(outcome.reason, "read or append");
          assert.equal(outcome.status, "fulfilled", String((outcome as PromiseRejectedResult).reason));
          const seen = (
            outcome as PromiseFulfilledResult<Awaited<ReturnType<SessionStore["getWithHistory"]>>>
          ).value;
          if (!seen) continue;
          assert.equal(seen.history.length, seen.eventCount, "history length differs from eventCount");
          assert.equal(
            seen.eventCount,
            (seen.version - 1) * 2,
            "a reader saw a version without its events (or events without their version)",
          );
          for (const [index, event] of seen.history.entries()) expectEqual(event.seq, index + 1, "event.seq");
        }
        const final = (await store.get(id))!;
        expectEqual(final.version, 7, "final.version");
        expectEqual(final.eventCount, 12, "final.eventCount");
      }
    },
  },
  {
    id: "SS-EV-09",
    group: "SS-EV",
    title: "readEvents returns exact slices for fromSeq, toSeq, limit and last; past the end is empty",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }), {
        events: Array.from({ length: 10 }, (_, k) => ({ type: "e", data: { k } })),
      });
      const seqs = async (range: Record<string, number>) =>
        (await store.readEvents(id, range)).map((event) => event.seq);
      expectDeepEqual(await seqs({}), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "seqs({})");
      expectDeepEqual(await seqs({ fromSeq: 4 }), [4, 5, 6, 7, 8, 9, 10], "seqs({ fromSeq: 4 })");
      expectDeepEqual(await seqs({ toSeq: 3 }), [1, 2, 3], "seqs({ toSeq: 3 })");
      expectDeepEqual(await seqs({ fromSeq: 3, toSeq: 5 }), [3, 4, 5], "seqs({ fromSeq: 3, toSeq: 5 })");
      expectDeepEqual(await seqs({ fromSeq: 2, limit: 3 }), [2, 3, 4], "seqs({ fromSeq: 2, limit: 3 })");
      expectDeepEqual(await seqs({ fromSeq: 9, limit: 5 }), [9, 10], "seqs({ fromSeq: 9, limit: 5 })");
      expectDeepEqual(
        await seqs({ fromSeq: 2, toSeq: 8, limit: 2 }),
        [2, 3],
        "seqs({ fromSeq: 2, toSeq: 8, limit: 2 })",
      );
      expectDeepEqual(await seqs({ last: 3 }), [8, 9, 10], "seqs({ last: 3 })");
      expectDeepEqual(await seqs({ last: 50 }), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "seqs({ last: 50 })");
      expectDeepEqual(await seqs({ fromSeq: 11 }), [], "seqs({ fromSeq: 11 })");
      expectDeepEqual(await seqs({ fromSeq: 5, toSeq: 4 }), [], "seqs({ fromSeq: 5, toSeq: 4 })");
      for (const bad of [
        { limit: 0 },
        { fromSeq: 0 },
        { last: 0 },
        { last: 2, fromSeq: 1 },
        { fromSeq: 1.5 },
      ]) {
        await expectCode(
          store.readEvents(id, bad),
          "ERR_INVALID_INPUT",
          `readEvents(${JSON.stringify(bad)})`,
        );
      }
      const empty = freshId();
      await store.create(input({ id: empty }));
      expectDeepEqual(await store.readEvents(empty, { last: 5 }), [], "store.readEvents(empty, { last: 5 })");
    },
  },
  {
    id: "SS-EV-10",
    group: "SS-EV",
    title: "a 2,000-event history written in batches reads back complete, in order, across paged reads",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }));
      for (let b = 0; b < 20; b++) {
        await store.commit(id, {
          events: Array.from({ length: 100 }, (_, k) => ({ type: "bulk", data: { n: b * 100 + k } })),
        });
      }
      const paged: SessionEvent[] = [];
      for (let from = 1; from <= 2000; from += 333)
        paged.push(...(await store.readEvents(id, { fromSeq: from, limit: 333 })));
      expectEqual(paged.length, 2000, "paged.length");
      paged.forEach((event, index) => {
        expectEqual(event.seq, index + 1, "event.seq");
        expectEqual((event.data as { n: number }).n, index, "(event.data as { n: number }).n");
      });
      expectDeepEqual(
        await store.readEvents(id, { last: 2 }),
        paged.slice(-2),
        "store.readEvents(id, { last: 2 })",
      );
      expectEqual((await store.get(id))?.eventCount, 2000, "(await store.get(id))?.eventCount");
      expectEqual((await store.stats()).events, 2000, "(await store.stats()).events");
    },
  },
];
