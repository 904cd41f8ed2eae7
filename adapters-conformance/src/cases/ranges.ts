import type { Session, SessionStore } from "@sessionkit/core";
import { expectCode, expectDeepEqual, expectEqual, freshId, input, preview } from "../assertions.js";
import type { CaseDefinition } from "../case.js";

/** The latest instant a store orders correctly as text; one millisecond later is year 10000. */
const MAX_INSTANT = "9999-12-31T23:59:59.999Z";
const MIN_INSTANT = "0000-01-01T00:00:00.000Z";
const YEAR_10000 = Date.parse(MAX_INSTANT) + 1;

/**
 * Instants no store can order as text (toISOString writes "+010000-…" and "-000001-…", which sort
 * before "2026-…") or that JavaScript cannot represent at all (issue 14, defects 7 and 8).
 */
const UNORDERABLE: Array<string | number> = [
  9e15,
  -9e15,
  YEAR_10000,
  Date.UTC(-1, 0, 1),
  "+010000-01-01T00:00:00.000Z",
  "-000001-01-01T00:00:00.000Z",
  "9999-12-31T23:00:00-05:00",
];

async function snapshot(store: SessionStore, ids: string[]) {
  return {
    sessions: await Promise.all(ids.map((id) => store.getWithHistory(id))),
    count: await store.count(),
  };
}

/** An imported session, created and last changed at `at`, with no history. */
function importable(template: Session, id: string, at: string): Session {
  return { ...template, id, createdAt: at, updatedAt: at, eventCount: 0, version: 1 };
}

/** SS-ID-05 and SS-ID-06: instants and integers at and beyond the edges of what the contract orders. */
export const rangeCases: CaseDefinition[] = [
  {
    id: "SS-ID-05",
    group: "SS-ID",
    title:
      "instants outside years 0000-9999 or the JS date range are refused (filters ERR_INVALID_QUERY; prune, patches, imports and the clock ERR_INVALID_INPUT) touching nothing; the extremes are accepted and ordered",
    async run({ open, ctx }) {
      const store = await open();
      const done = freshId("done");
      const live = freshId("live");
      await store.create(input({ id: done, status: "completed" }), { events: [{ type: "start" }] });
      ctx.clock.advance(1);
      await store.create(input({ id: live }));
      const template = (await store.get(done))!;
      const before = await snapshot(store, [done, live]);
      for (const bad of UNORDERABLE) {
        const what = `the instant ${preview(bad)}`;
        // Filters take text or a Date in the type; a caller in plain JavaScript passes numbers too.
        const instant = bad as string;
        await expectCode(
          store.list({ createdBefore: instant }),
          "ERR_INVALID_QUERY",
          `list({ createdBefore: ${what} })`,
        );
        await expectCode(
          store.count({ updatedAfter: instant }),
          "ERR_INVALID_QUERY",
          `count({ updatedAfter: ${what} })`,
        );
        await expectCode(
          store.stats({ createdAfter: instant }),
          "ERR_INVALID_QUERY",
          `stats({ createdAfter: ${what} })`,
        );
        await expectCode(
          store.prune({ olderThan: bad }),
          "ERR_INVALID_INPUT",
          `prune({ olderThan: ${what} })`,
        );
        await expectCode(
          store.commit(live, { patch: { deadlineAt: instant } }),
          "ERR_INVALID_INPUT",
          `commit with deadlineAt ${what}`,
        );
        await expectCode(
          store.create(input({ id: freshId("bad"), deadlineAt: instant })),
          "ERR_INVALID_INPUT",
          `create with deadlineAt ${what}`,
        );
        if (typeof bad === "string") {
          await expectCode(
            store.importSession(importable(template, freshId("imp"), bad), []),
            "ERR_INVALID_INPUT",
            `importSession of a session created at ${what}`,
          );
        }
      }
      const now = ctx.clock.now();
      ctx.clock.set(YEAR_10000);
      await expectCode(
        store.create(input({ id: freshId("late") })),
        "ERR_INVALID_INPUT",
        "create at a clock in year 10000",
      );
      await expectCode(
        store.commit(live, { events: [{ type: "late" }] }),
        "ERR_INVALID_INPUT",
        "commit at a clock in year 10000",
      );
      ctx.clock.set(now);
      expectDeepEqual(
        await snapshot(store, [done, live]),
        before,
        "the sessions and count after every refused instant",
      );

      // The edges themselves: accepted, stored exactly, and ordered like time.
      const last = freshId("max");
      const first = freshId("min");
      await store.importSession(importable(template, last, MAX_INSTANT), []);
      await store.importSession(importable(template, first, MIN_INSTANT), []);
      const committed = await store.commit(live, { patch: { deadlineAt: MAX_INSTANT } });
      expectEqual(committed.session.deadlineAt, MAX_INSTANT, "deadlineAt of the last orderable instant");
      expectEqual(
        (await store.get(last))!.createdAt,
        MAX_INSTANT,
        "createdAt of the session imported at the latest instant",
      );
      expectDeepEqual(
        (await store.list()).items.map((item) => item.id),
        [last, live, done, first],
        "list order (createdAt descending) across years 0000, 2026 and 9999",
      );
      expectEqual(
        await store.count({ createdBefore: MAX_INSTANT }),
        4,
        "count({ createdBefore: 9999-12-31T23:59:59.999Z }) (bounds are inclusive)",
      );
      expectEqual(
        await store.count({ createdAfter: MIN_INSTANT }),
        4,
        "count({ createdAfter: 0000-01-01T00:00:00.000Z })",
      );
      expectDeepEqual(
        (await store.prune({ olderThan: MAX_INSTANT, dryRun: true })).ids,
        [done, first].sort(),
        "prune({ olderThan: the latest instant, dryRun }) ids (terminal sessions changed before it)",
      );
      expectEqual(
        (await store.prune({ olderThan: MIN_INSTANT })).count,
        0,
        "prune({ olderThan: year 0000 }) count",
      );
    },
  },
  {
    id: "SS-ID-06",
    group: "SS-ID",
    title:
      "integers at the edges: seq bounds and last at 2^31 and MAX_SAFE_INTEGER answer, NaN, negative, zero, fractional and unsafe ones are ERR_INVALID_INPUT, list limits outside 1-1000 ERR_INVALID_QUERY, counters up to MAX_SAFE_INTEGER round-trip, a cursor with a NUL is ERR_INVALID_CURSOR",
    async run({ open }) {
      const store = await open();
      const id = freshId("int");
      const { events } = await store.create(input({ id }), { events: [{ type: "a" }, { type: "b" }] });
      const answers: Array<[Record<string, number>, number[]]> = [
        [{ fromSeq: 2 ** 31 }, []],
        [{ fromSeq: Number.MAX_SAFE_INTEGER }, []],
        [{ toSeq: 2 ** 31 }, [1, 2]],
        [{ toSeq: Number.MAX_SAFE_INTEGER }, [1, 2]],
        [{ limit: 2 ** 31 }, [1, 2]],
        [{ limit: Number.MAX_SAFE_INTEGER }, [1, 2]],
        [{ fromSeq: 2, limit: Number.MAX_SAFE_INTEGER }, [2]],
        [{ last: 2 ** 31 }, [1, 2]],
        [{ last: Number.MAX_SAFE_INTEGER }, [1, 2]],
      ];
      for (const [range, seqs] of answers) {
        expectDeepEqual(
          await store.readEvents(id, range),
          events.filter((event) => seqs.includes(event.seq)),
          `readEvents(${preview(range)}) (a server store must not overflow a 32-bit column)`,
        );
      }
      for (const bad of [Number.NaN, -1, 0, 1.5, 2 ** 53, Number.POSITIVE_INFINITY]) {
        for (const key of ["fromSeq", "toSeq", "limit", "last"]) {
          await expectCode(
            store.readEvents(id, { [key]: bad }),
            "ERR_INVALID_INPUT",
            `readEvents({ ${key}: ${bad} })`,
          );
        }
      }
      for (const limit of [0, -1, 1001, 2 ** 31, Number.MAX_SAFE_INTEGER, Number.NaN]) {
        await expectCode(store.list({ limit }), "ERR_INVALID_QUERY", `list({ limit: ${limit} })`);
      }
      const big = freshId("big");
      const max = Number.MAX_SAFE_INTEGER;
      await store.create(input({ id: big, iterations: max, maxIterations: max }));
      const read = (await store.get(big))!;
      expectDeepEqual(
        [read.iterations, read.maxIterations],
        [max, max],
        "iterations and maxIterations of MAX_SAFE_INTEGER",
      );
      const listed = (await store.list()).items.find((item) => item.id === big);
      expectDeepEqual(
        [listed?.iterations, listed?.maxIterations],
        [max, max],
        "the same counters as list() reports them",
      );
      await store.commit(id, { patch: { iterations: 2 ** 31, maxIterations: 2 ** 31 + 1 } });
      expectEqual((await store.get(id))!.iterations, 2 ** 31, "iterations after a commit of 2^31");
      for (const expectedVersion of [2 ** 31, max]) {
        await expectCode(
          store.commit(id, { expectedVersion }),
          "ERR_VERSION_CONFLICT",
          `commit expecting version ${expectedVersion}`,
        );
        await expectCode(
          store.delete(id, { expectedVersion }),
          "ERR_VERSION_CONFLICT",
          `delete expecting version ${expectedVersion}`,
        );
      }
      for (const bad of [Number.NaN, -1, 1.5, 2 ** 53]) {
        await expectCode(
          store.create(input({ id: freshId("n"), iterations: bad })),
          "ERR_INVALID_INPUT",
          `create with iterations ${bad}`,
        );
      }
      const page = await store.list({ limit: 1 });
      const cursor = page.nextCursor!;
      for (const forged of [`${cursor.slice(0, 4)}\u0000${cursor.slice(4)}`, "\u0000", `abc\u0000def`]) {
        await expectCode(
          store.list({ limit: 1, cursor: forged }),
          "ERR_INVALID_CURSOR",
          `list with the cursor ${preview(forged)}`,
        );
      }
    },
  },
];
