import assert from "node:assert/strict";
import type { SessionStore } from "@sessionkit/core";
import { expectCode, expectDeepEqual, expectEqual, freshId, input, iso, walk } from "../assertions.js";
import type { CaseDefinition } from "../case.js";
import {
  type OracleFilter,
  oracleMatches,
  oracleOrder,
  seedDataset,
  summaryOf,
  TRICKY_VALUES,
} from "./dataset.js";

function filtersFor(rows: Awaited<ReturnType<typeof seedDataset>>): Array<[string, OracleFilter]> {
  const sorted = [...rows].sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  const mid = sorted[Math.floor(sorted.length / 2)]!.createdAt;
  const updated = [...rows].sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : 1));
  const umid = updated[Math.floor(updated.length / 3)]!.updatedAt;
  return [
    ["none", {}],
    ...TRICKY_VALUES.map(
      (value) => [`userId ${JSON.stringify(value)}`, { userId: value }] as [string, OracleFilter],
    ),
    ["channelId c1", { channelId: "c1" }],
    ["channelId C1", { channelId: "C1" }],
    ["mode code", { mode: "code" }],
    ["status paused", { status: "paused" }],
    ["status [completed, failed]", { status: ["completed", "failed"] }],
    ["status [timeout, active, timeout]", { status: ["timeout", "active", "timeout"] }],
    ["createdAfter mid", { createdAfter: mid }],
    ["createdBefore mid", { createdBefore: mid }],
    ["created range", { createdAfter: sorted[2]!.createdAt, createdBefore: mid }],
    ["updatedAfter", { updatedAfter: umid }],
    ["updatedBefore", { updatedBefore: umid }],
    ["metadata tier gold", { metadata: { tier: "gold" } }],
    ["metadata tier Gold", { metadata: { tier: "Gold" } }],
    ["metadata n 1", { metadata: { n: 1 } }],
    ['metadata n "1"', { metadata: { n: "1" } }],
    ["metadata n 0", { metadata: { n: 0 } }],
    ["metadata flag true", { metadata: { flag: true } }],
    ['metadata flag "true"', { metadata: { flag: "true" } }],
    ["metadata flag false", { metadata: { flag: false } }],
    ["metadata flag null", { metadata: { flag: null } }],
    ["metadata two keys", { metadata: { tier: "gold", flag: true } }],
    ["combined", { status: ["active", "paused"], mode: "chat", createdAfter: sorted[1]!.createdAt }],
    ["nothing matches", { userId: "nobody", mode: "chat" }],
  ];
}

/** SS-Q: filters, order, cursors. */
export const queryCases: CaseDefinition[] = [
  {
    id: "SS-Q-01",
    group: "SS-Q",
    title:
      "list() returns every session in the documented order: createdAt descending, ties by id descending",
    async run({ open, ctx }) {
      const store = await open();
      const expected = await seedDataset(store, ctx);
      const page = await store.list({ limit: 1000 });
      expectDeepEqual(page.items, expected, "page.items");
      expectEqual(page.nextCursor, null, "page.nextCursor");
      expectDeepEqual(page.corrupt, [], "page.corrupt");
      const defaults = await store.list();
      assert.deepStrictEqual(defaults.items, expected.slice(0, 50), "the default page size is 50");
    },
  },
  {
    id: "SS-Q-02",
    group: "SS-Q",
    title:
      "ties: sessions created in the same millisecond come back by id descending (code-unit order), across pages",
    async run({ open }) {
      const store = await open();
      const suffixes = [
        "A",
        "a",
        "Z",
        "z",
        "0",
        "9",
        "_",
        "-",
        "Aa",
        "aA",
        "a-",
        "a_",
        "-a",
        "_a",
        "00",
        "0-",
        "zz",
        "Zz",
      ];
      const base = freshId("tie");
      const ids = suffixes.map((suffix) => `${base}${suffix}`);
      const shuffled = [...ids].sort(
        (a, b) =>
          ((a.length * 31 + a.charCodeAt(a.length - 1)) % 7) -
          ((b.length * 31 + b.charCodeAt(b.length - 1)) % 7),
      );
      for (const id of shuffled) await store.create(input({ id }));
      const expected = [...ids].sort().reverse();
      expectDeepEqual(
        (await store.list()).items.map((item) => item.id),
        expected,
        "(await store.list()).items.map((item) => item.id)",
      );
      for (const size of [1, 2, 5])
        assert.deepStrictEqual((await walk(store, {}, size)).ids, expected, `cursor walk, page size ${size}`);
    },
  },
  {
    id: "SS-Q-03",
    group: "SS-Q",
    title: "each filter, alone and combined, matches the suite's oracle in list, count and stats",
    async run({ open, ctx }) {
      const store = await open();
      const rows = await seedDataset(store, ctx, 40, 11);
      for (const [what, filter] of filtersFor(rows)) {
        const expected = rows.filter((row) => oracleMatches(row, filter)).sort(oracleOrder);
        const page = await store.list({ ...filter, limit: 1000 });
        assert.deepStrictEqual(
          page.items.map((item) => item.id),
          expected.map((row) => row.id),
          `list with filter ${what}`,
        );
        assert.deepStrictEqual(page.items, expected, `list items with filter ${what}`);
        assert.equal(await store.count(filter), expected.length, `count with filter ${what}`);
        assert.equal((await store.stats(filter)).total, expected.length, `stats.total with filter ${what}`);
      }
    },
  },
  {
    id: "SS-Q-04",
    group: "SS-Q",
    title: "time bounds are inclusive to the millisecond and accept any ISO-8601 form",
    async run({ open, ctx }) {
      const store = await open();
      ctx.clock.set("2026-04-01T10:00:00.000Z");
      await store.create(input({ id: freshId("t0") }));
      ctx.clock.advance(1);
      const { session } = await store.create(input({ id: freshId("t1") }));
      ctx.clock.advance(1);
      await store.create(input({ id: freshId("t2") }));
      const at = session.createdAt;
      const ms = Date.parse(at);
      assert.equal(
        await store.count({ createdAfter: at, createdBefore: at }),
        1,
        "both bounds equal to createdAt include it",
      );
      expectEqual(
        await store.count({ createdAfter: iso(ms + 1) }),
        1,
        "store.count({ createdAfter: iso(ms + 1) })",
      );
      expectEqual(
        await store.count({ createdBefore: iso(ms - 1) }),
        1,
        "store.count({ createdBefore: iso(ms - 1) })",
      );
      expectEqual(await store.count({ updatedAfter: at }), 2, "store.count({ updatedAfter: at })");
      expectEqual(await store.count({ updatedBefore: at }), 2, "store.count({ updatedBefore: at })");
      assert.equal(
        await store.count({
          createdAfter: "2026-04-01T12:00:00.000+02:00",
          createdBefore: "2026-04-01T10:00:00.001Z",
        }),
        2,
        "offset forms",
      );
      assert.equal(await store.count({ createdAfter: "2026-04-01T10:00:00Z" }), 3, "no milliseconds");
      assert.equal(await store.count({ createdAfter: new Date(ms) as never }), 2, "a Date bound");
    },
  },
  {
    id: "SS-Q-05",
    group: "SS-Q",
    title:
      "cursor walks with every page size from 1 to n+1 visit every session once, in order; the last page has no cursor",
    async run({ open, ctx }) {
      const store = await open();
      const expected = (await seedDataset(store, ctx, 23, 5)).map((row) => row.id);
      for (let size = 1; size <= expected.length + 1; size++) {
        const { ids, pages } = await walk(store, {}, size);
        assert.deepStrictEqual(ids, expected, `page size ${size}`);
        assert.equal(pages, Math.max(1, Math.ceil(expected.length / size)), `page count for size ${size}`);
      }
      const filtered = (await store.list({ mode: "chat", limit: 1000 })).items.map((item) => item.id);
      for (const size of [1, 3])
        assert.deepStrictEqual(
          (await walk(store, { mode: "chat" }, size)).ids,
          filtered,
          `filtered walk ${size}`,
        );
    },
  },
  {
    id: "SS-Q-06",
    group: "SS-Q",
    title: "no row is skipped or repeated while sessions are created, changed and deleted between pages",
    async run({ open, ctx }) {
      const store = await open();
      const initial = (await seedDataset(store, ctx, 30, 3)).map((row) => row.id);
      for (const size of [1, 4, 7]) {
        const seen: string[] = [];
        const deleted = new Set<string>();
        let cursor: string | null = null;
        let step = 0;
        do {
          const page: Awaited<ReturnType<SessionStore["list"]>> = await store.list({ limit: size, cursor });
          seen.push(...page.items.map((item) => item.id));
          cursor = page.nextCursor;
          step += 1;
          ctx.clock.advance(3);
          await store.create(input({ id: freshId("new") }));
          const unvisited = initial.filter((id) => !seen.includes(id) && !deleted.has(id));
          const target = unvisited[step % Math.max(1, unvisited.length)];
          if (target)
            await store.commit(target, {
              patch: { iterations: step, status: "active" },
              events: [{ type: "x" }],
            });
          const visited = seen.filter((id) => initial.includes(id) && !deleted.has(id));
          if (visited.length > 0 && step % 3 === 0) {
            const victim = visited[0]!;
            await store.delete(victim);
            deleted.add(victim);
          }
        } while (cursor);
        assert.equal(new Set(seen).size, seen.length, `page size ${size}: a row was repeated`);
        for (const id of initial) {
          if (!deleted.has(id))
            assert.ok(seen.includes(id), `page size ${size}: ${id} existed throughout but was skipped`);
        }
        for (const id of deleted) await store.create(input({ id }));
        initial.splice(
          0,
          initial.length,
          ...(await walk(store, {}, 1000)).ids.filter((id) => initial.includes(id)),
        );
      }
    },
  },
  {
    id: "SS-Q-07",
    group: "SS-Q",
    title:
      "malformed, tampered or foreign cursors are refused with ERR_INVALID_CURSOR, never read as page one",
    async run({ open, ctx }) {
      const store = await open();
      await seedDataset(store, ctx, 6, 2);
      const { nextCursor } = await store.list({ limit: 2 });
      assert.ok(nextCursor, "a page of 2 out of 6 must have a nextCursor");
      const tampered = nextCursor.slice(0, -2) + (nextCursor.endsWith("AA") ? "BB" : "AA");
      const bad: unknown[] = [
        "",
        "garbage!",
        "%%%",
        "null",
        Buffer.from("{}").toString("base64url"),
        tampered,
        "A".repeat(5000),
        42,
        {},
      ];
      for (const cursor of bad) {
        await expectCode(
          store.list({ limit: 2, cursor: cursor as string }),
          "ERR_INVALID_CURSOR",
          `cursor ${JSON.stringify(cursor)?.slice(0, 40)}`,
        );
      }
      await expectCode(
        store.list({ limit: 2, cursor: nextCursor, mode: "code" }),
        "ERR_INVALID_CURSOR",
        "a cursor issued for another filter",
      );
      const again = await store.list({ limit: 2, cursor: nextCursor });
      assert.equal(again.items.length, 2, "the genuine cursor still works");
    },
  },
  {
    id: "SS-Q-08",
    group: "SS-Q",
    title: "invalid queries are refused with ERR_INVALID_QUERY by list, count and stats",
    async run({ open }) {
      const store = await open();
      const bad: Array<Record<string, unknown>> = [
        { colour: "red" },
        { status: "done" },
        { status: [] },
        { userId: "" },
        { userId: 5 },
        { createdAfter: "yesterday" },
        { updatedBefore: "not a date" },
        { metadata: { "a.b": 1 } },
        { metadata: { x: { y: 1 } } },
        { metadata: { x: [1] } },
        { metadata: "gold" },
      ];
      for (const filter of bad) {
        await expectCode(store.list(filter as never), "ERR_INVALID_QUERY", `list(${JSON.stringify(filter)})`);
        await expectCode(
          store.count(filter as never),
          "ERR_INVALID_QUERY",
          `count(${JSON.stringify(filter)})`,
        );
        await expectCode(
          store.stats(filter as never),
          "ERR_INVALID_QUERY",
          `stats(${JSON.stringify(filter)})`,
        );
      }
      for (const limit of [0, -1, 1001, 1.5, "10"]) {
        await expectCode(
          store.list({ limit: limit as number }),
          "ERR_INVALID_QUERY",
          `list({ limit: ${JSON.stringify(limit)} })`,
        );
      }
    },
  },
  {
    id: "SS-Q-09",
    group: "SS-Q",
    title: "an empty store and a filter matching nothing give an empty page with no cursor",
    async run({ open }) {
      const store = await open();
      expectDeepEqual(await store.list(), { items: [], nextCursor: null, corrupt: [] }, "store.list()");
      expectEqual(await store.count(), 0, "store.count()");
      await store.create(input({ id: freshId(), userId: "someone" }));
      expectDeepEqual(
        await store.list({ userId: "someone else" }),
        {
          items: [],
          nextCursor: null,
          corrupt: [],
        },
        'store.list({ userId: "someone else" })',
      );
      expectDeepEqual(
        await store.list({ userId: "someone", limit: 1 }).then((page) => page.nextCursor),
        null,
        'store.list({ userId: "someone", limit: 1 }).then((page) => page.nextC…',
      );
    },
  },
  {
    id: "SS-Q-10",
    group: "SS-Q",
    title:
      "string filters match literally and case-sensitively (%, _, regex metacharacters, quotes, backslash, unicode)",
    async run({ open }) {
      const store = await open();
      const values = [...TRICKY_VALUES, "ALICE", "a\u0301", "\u00e1", "x\u0000y", "x"];
      for (const value of values)
        await store.create(input({ id: freshId(), userId: value, channelId: value, mode: value }));
      for (const value of values) {
        for (const key of ["userId", "channelId", "mode"] as const) {
          const items = (await store.list({ [key]: value })).items;
          assert.deepStrictEqual(
            items.map((item) => item[key]),
            [value],
            `${key} = ${JSON.stringify(value)} must match itself only`,
          );
        }
      }
    },
  },
  {
    id: "SS-Q-11",
    group: "SS-Q",
    title:
      'metadata filters are type-exact and top-level only: "1" is not 1, null is not absent, false is not 0',
    async run({ open }) {
      const store = await open();
      const rows: Array<[string, Record<string, unknown> | undefined]> = [
        ["one", { v: 1 }],
        ["oneString", { v: "1" }],
        ["zero", { v: 0 }],
        ["false", { v: false }],
        ["null", { v: null }],
        ["absent", {}],
        ["none", undefined],
        ["nested", { deep: { v: 1 } }],
        ["float", { v: 1.5 }],
      ];
      const idOf = new Map<string, string>();
      for (const [name, metadata] of rows) {
        const id = freshId(name);
        idOf.set(id, name);
        await store.create(input({ id, ...(metadata ? { metadata: metadata as never } : {}) }));
      }
      const names = async (value: string | number | boolean | null) =>
        (await store.list({ metadata: { v: value } })).items.map((item) => idOf.get(item.id)).sort();
      expectDeepEqual(await names(1), ["one"], "names(1)");
      expectDeepEqual(await names("1"), ["oneString"], 'names("1")');
      expectDeepEqual(await names(0), ["zero"], "names(0)");
      expectDeepEqual(await names(false), ["false"], "names(false)");
      expectDeepEqual(await names(null), ["null"], "names(null)");
      expectDeepEqual(await names(1.5), ["float"], "names(1.5)");
      expectEqual(await store.count({ metadata: { deep: 1 } }), 0, "store.count({ metadata: { deep: 1 } })");
    },
  },
];

export { summaryOf };
