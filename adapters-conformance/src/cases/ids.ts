import assert from "node:assert/strict";
import type { SessionStore } from "@sessionkit/core";
import { expectCode, expectDeepEqual, expectEqual, freshId, input } from "../assertions.js";
import type { CaseDefinition } from "../case.js";

const BAD_IDS: unknown[] = [
  "",
  ".",
  "..",
  "../x",
  "session_../x",
  "a/b",
  "session_a/b",
  "session_a\\b",
  "session_\u0000",
  "session_x\u0000y",
  " session_x",
  "session_x ",
  "session_",
  "CON",
  "nul",
  "aux.txt",
  "session_é",
  `session_${"a".repeat(121)}`,
  123,
  null,
  undefined,
  {},
];

async function rawState(store: SessionStore, inspect: (() => Promise<string[]>) | undefined) {
  return { count: await store.count(), raw: inspect ? (await inspect()).sort() : null };
}

/** SS-ID: identifiers and input validation, before any I/O. */
export const idCases: CaseDefinition[] = [
  {
    id: "SS-ID-01",
    group: "SS-ID",
    title: "ids at the edges of the pattern (max length, -, _, digits, both cases) round-trip everywhere",
    async run({ open }) {
      const store = await open();
      const ids = [
        `session_${"Z".repeat(120)}`,
        "session_-",
        "session__",
        "session_0",
        "session_a-B_9",
        `session_${"-_".repeat(60)}`,
      ];
      for (const id of ids) await store.create(input({ id }), { events: [{ type: "start" }] });
      for (const id of ids) {
        expectEqual((await store.get(id))?.id, id, "(await store.get(id))?.id");
        await store.commit(id, { expectedVersion: 1, events: [{ type: "x" }] });
        expectEqual((await store.readEvents(id)).length, 2, "(await store.readEvents(id)).length");
      }
      const listed = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<SessionStore["list"]>> = await store.list({ limit: 1, cursor });
        listed.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor);
      expectDeepEqual([...listed].sort(), [...ids].sort(), "[...listed].sort()");
      for (const id of ids) expectEqual(await store.delete(id), true, "store.delete(id)");
      expectEqual(await store.count(), 0, "store.count()");
    },
  },
  {
    id: "SS-ID-02",
    group: "SS-ID",
    title: "invalid ids are refused with ERR_INVALID_ID by every method before touching storage",
    async run({ open, harness, ctx }) {
      const store = await open();
      const keep = freshId();
      await store.create(input({ id: keep }));
      const inspect = harness.inspect ? async () => harness.inspect!(ctx) : undefined;
      const before = await rawState(store, inspect);
      for (const bad of BAD_IDS) {
        const id = bad as string;
        const label = JSON.stringify(bad) ?? String(bad);
        await expectCode(store.get(id), "ERR_INVALID_ID", `get(${label})`);
        await expectCode(store.getWithHistory(id), "ERR_INVALID_ID", `getWithHistory(${label})`);
        await expectCode(store.commit(id, { events: [{ type: "x" }] }), "ERR_INVALID_ID", `commit(${label})`);
        await expectCode(store.readEvents(id), "ERR_INVALID_ID", `readEvents(${label})`);
        await expectCode(store.delete(id), "ERR_INVALID_ID", `delete(${label})`);
        if (bad !== undefined)
          await expectCode(store.create(input({ id })), "ERR_INVALID_ID", `create({ id: ${label} })`);
      }
      assert.deepStrictEqual(await rawState(store, inspect), before, "a refused id touched storage");
      assert.notEqual(await store.get(keep), null, "other sessions survive");
    },
  },
  {
    id: "SS-ID-03",
    group: "SS-ID",
    title: "ids differing only by case are two distinct sessions",
    async run({ open }) {
      const store = await open();
      const base = freshId("Case");
      const lower = base.toLowerCase();
      const upper = `session_${base.slice(8).toUpperCase()}`;
      await store.create(input({ id: lower, task: "lower" }));
      await store.create(input({ id: upper, task: "upper" }));
      expectEqual((await store.get(lower))?.task, "lower", "(await store.get(lower))?.task");
      expectEqual((await store.get(upper))?.task, "upper", "(await store.get(upper))?.task");
      expectEqual(await store.delete(lower), true, "store.delete(lower)");
      expectEqual((await store.get(upper))?.task, "upper", "(await store.get(upper))?.task");
    },
  },
  {
    id: "SS-ID-04",
    group: "SS-ID",
    title: "values JSON cannot hold exactly are refused with ERR_INVALID_INPUT and nothing is stored",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }), { events: [{ type: "start" }] });
      const before = await store.getWithHistory(id);
      class Thing {
        x = 1;
      }
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const bad: Array<[string, unknown]> = [
        ["function", () => 1],
        ["symbol", Symbol("s")],
        ["bigint", 10n],
        ["NaN", Number.NaN],
        ["Infinity", Number.POSITIVE_INFINITY],
        ["Date", new Date(0)],
        ["Map", new Map()],
        ["class instance", new Thing()],
        ["cycle", cyclic],
      ];
      for (const [what, value] of bad) {
        await expectCode(
          store.create(input({ id: freshId(), context: { v: value } })),
          "ERR_INVALID_INPUT",
          `create with ${what} in context`,
        );
        await expectCode(
          store.commit(id, { patch: { context: { v: value } } }),
          "ERR_INVALID_INPUT",
          `commit with ${what} in context`,
        );
        await expectCode(
          store.commit(id, { patch: { metadata: { v: value } as never } }),
          "ERR_INVALID_INPUT",
          `commit with ${what} in metadata`,
        );
        await expectCode(
          store.commit(id, { events: [{ type: "ok" }, { type: "x", data: { v: value } }] }),
          "ERR_INVALID_INPUT",
          `commit with ${what} in event data`,
        );
      }
      const malformed: Array<[string, () => Promise<unknown>]> = [
        ["unknown input key", () => store.create({ ...input({ id: freshId() }), colour: "red" } as never)],
        ["unknown patch key", () => store.commit(id, { patch: { colour: "red" } as never })],
        ["bad status", () => store.commit(id, { patch: { status: "done" as never } })],
        ["negative iterations", () => store.commit(id, { patch: { iterations: -1 } })],
        ["maxIterations 0", () => store.create(input({ id: freshId(), maxIterations: 0 }))],
        ["bad event type", () => store.commit(id, { events: [{ type: "has space" }] })],
        ["empty event type", () => store.commit(id, { events: [{ type: "" }] })],
        ["event data not an object", () => store.commit(id, { events: [{ type: "x", data: [1] as never }] })],
        ["bad deadlineAt", () => store.commit(id, { patch: { deadlineAt: "tomorrow" } })],
        ["expectedVersion 0", () => store.commit(id, { expectedVersion: 0 })],
        ["missing mode", () => store.create({ task: "t", id: freshId() } as never)],
      ];
      for (const [what, call] of malformed) await expectCode(call(), "ERR_INVALID_INPUT", what);
      assert.deepStrictEqual(await store.getWithHistory(id), before, "a refused change altered the session");
      assert.equal(await store.count(), 1, "a refused create stored a session");
    },
  },
];
