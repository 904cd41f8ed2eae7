import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Session, SessionStore } from "@sessionkit/core";
import { expectCode, expectDeepEqual, expectEqual, freshId, ISO_MS, input } from "../assertions.js";
import type { CaseDefinition } from "../case.js";

/** Strings LLM output really contains; every adapter must keep them byte for byte. */
export const HOSTILE_STRINGS = [
  "\u0000",
  "a\u0000b",
  "\u0000\u0000tail",
  "\ud83d",
  "\ude00",
  "x\ud83dy",
  "\ude00\ud83d",
  "\ud83d\ude00",
  "\u2028\u2029",
  "\u0001\u0002\u001f\u007f",
  "\t\n\r\b\f\v",
  "\ufeffbom",
  "\uffff\ufffe",
  "'; DROP TABLE sessions; --",
  '"}{"',
  "\\u0000 literally",
  "$" + "{x} %s %d",
  "",
];

/** Unicode that must come back unnormalised. */
export const UNICODE_STRINGS = [
  "caf\u00e9",
  "cafe\u0301",
  "👨‍👩‍👧‍👦",
  "🏳️‍🌈",
  "עברית مرحبا",
  "e\u0301\u0302\u0303",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "中文字符",
  "\u0130i\u0131I",
];

/** JSON values that break naive storage. */
export const VALUE_MATRIX: Record<string, unknown> = {
  null: null,
  false: false,
  zero: 0,
  negative: -1.5,
  emptyString: "",
  stringNull: "null",
  stringFalse: "false",
  string42: "42",
  stringArray: "[]",
  stringObject: '{"x":1}',
  stringQuoted: '"q"',
  emptyArray: [],
  emptyObject: {},
  nested: { a: [null, false, 0, "", [], {}] },
  maxSafe: Number.MAX_SAFE_INTEGER,
  minSafe: Number.MIN_SAFE_INTEGER,
  float: 0.1 + 0.2,
  tiny: 5e-324,
  huge: 1.7976931348623157e308,
  exponent: 1e-7,
  longArray: Array.from({ length: 300 }, (_, k) => k),
  "key.with.dots": 1,
  $dollar: 2,
  'quote"key': 3,
  "ünï-key": 4,
  "": "empty key",
  constructor: "c",
  toString: "t",
};

function deep(depth: number): unknown {
  let value: unknown = { leaf: true };
  for (let k = 0; k < depth; k++) value = { [`d${k}`]: value, list: [k] };
  return value;
}

async function roundTrip(store: SessionStore, context: Record<string, unknown>, what: string): Promise<void> {
  const id = freshId();
  const metadata = { ...context } as never;
  const { session } = await store.create(input({ id, context, metadata }), {
    events: [{ type: "start", data: context }],
  });
  assert.deepStrictEqual(session.context, context, `${what}: create result`);
  const read = (await store.getWithHistory(id))!;
  assert.deepStrictEqual(read.context, context, `${what}: context via get`);
  assert.deepStrictEqual(read.metadata, context, `${what}: metadata via get`);
  assert.deepStrictEqual(read.history[0]!.data, context, `${what}: event data`);
  const listed = (await store.list({ limit: 1000 })).items.find((item) => item.id === id);
  assert.deepStrictEqual(listed?.metadata, context, `${what}: metadata via list`);
  const { session: next } = await store.commit(id, {
    patch: { context: { again: context } },
    events: [{ type: "again", data: { again: context } }],
  });
  assert.deepStrictEqual(next.context, { again: context }, `${what}: commit result`);
  assert.deepStrictEqual((await store.get(id))!.context, { again: context }, `${what}: context after commit`);
  assert.deepStrictEqual(
    (await store.readEvents(id, { last: 1 }))[0]!.data,
    { again: context },
    `${what}: event after commit`,
  );
}

function allTimestamps(session: Partial<Session> & Record<string, unknown>): string[] {
  const out = [session.createdAt, session.updatedAt, session.endedAt, session.deadlineAt, session.pause?.at];
  return out.filter((value): value is string => value !== undefined);
}

/** SS-J: round-trip fidelity. */
export const fidelityCases: CaseDefinition[] = [
  {
    id: "SS-J-01",
    group: "SS-J",
    title:
      "the value matrix (falsy values, JSON-looking strings, extreme numbers, odd keys, depth 64) round-trips everywhere",
    async run({ open }) {
      const store = await open();
      await roundTrip(store, VALUE_MATRIX, "value matrix");
      await roundTrip(store, { deep: deep(64) }, "depth 64");
      const proto = JSON.parse('{"__proto__": {"polluted": true}, "safe": 1}') as Record<string, unknown>;
      const id = freshId();
      await store.create(input({ id, context: proto }));
      const read = (await store.get(id))!.context;
      assert.ok(Object.hasOwn(read, "__proto__"), "an own __proto__ key must stay data");
      expectDeepEqual(
        Object.getOwnPropertyDescriptor(read, "__proto__")?.value,
        { polluted: true },
        'Object.getOwnPropertyDescriptor(read, "__proto__")?.value',
      );
      assert.equal(({} as Record<string, unknown>).polluted, undefined, "prototype pollution");
    },
  },
  {
    id: "SS-J-02",
    group: "SS-J",
    title:
      "absent stays absent, null stays null, undefined members are dropped and -0 becomes 0, on every path",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      const context = { a: undefined, b: null, c: [undefined, 1], d: -0, e: { f: undefined } };
      const expected = { b: null, c: [null, 1], d: 0, e: {} };
      await store.create(input({ id, context, metadata: context as never }), {
        events: [{ type: "e", data: context }],
      });
      const read = (await store.getWithHistory(id))!;
      expectDeepEqual(read.context, expected, "read.context");
      assert.ok(Object.is((read.context as { d: number }).d, 0), "-0 must be stored as 0");
      expectDeepEqual(read.metadata, expected, "read.metadata");
      expectDeepEqual(read.history[0]!.data, expected, "read.history[0]!.data");
      for (const key of [
        "userId",
        "channelId",
        "workspace",
        "result",
        "error",
        "pause",
        "endedAt",
        "deadlineAt",
      ]) {
        assert.ok(
          !Object.hasOwn(read, key),
          `${key} was never set and must be absent (not null, not undefined)`,
        );
        const listed = (await store.list()).items[0]!;
        assert.ok(!Object.hasOwn(listed, key), `${key} must be absent from the summary`);
      }
      const bare = freshId();
      await store.create(input({ id: bare }));
      assert.ok(!Object.hasOwn((await store.get(bare))!, "metadata"), "metadata never set must be absent");
      expectDeepEqual((await store.get(bare))!.context, {}, "(await store.get(bare))!.context");
    },
  },
  {
    id: "SS-J-03",
    group: "SS-J",
    title:
      "unicode is byte-exact (NFC and NFD distinct, emoji, ZWJ, RTL, combining marks) in every field and key",
    async run({ open }) {
      const store = await open();
      for (const text of UNICODE_STRINGS) {
        const id = freshId();
        const context = { [text]: text, list: [text] };
        await store.create(
          input({
            id,
            task: text,
            userId: text,
            mode: text,
            result: text,
            context,
            metadata: { [text]: text },
          }),
          {
            events: [{ type: "u", data: context }],
          },
        );
        const read = (await store.getWithHistory(id))!;
        for (const field of ["task", "userId", "mode", "result"] as const) {
          assert.equal(
            Buffer.from(read[field]!).toString("hex"),
            Buffer.from(text).toString("hex"),
            `${field} changed: ${text}`,
          );
        }
        expectDeepEqual(read.context, context, "read.context");
        expectDeepEqual(read.metadata, { [text]: text }, "read.metadata");
        expectDeepEqual(read.history[0]!.data, context, "read.history[0]!.data");
      }
      assert.equal(await store.count({ userId: "cafe\u0301" }), 1, "NFD must not match NFC");
      expectEqual(await store.count({ userId: "caf\u00e9" }), 1, 'store.count({ userId: "caf\\u00e9" })');
    },
  },
  {
    id: "SS-J-04",
    group: "SS-J",
    title:
      "hostile strings (NUL, lone surrogates, control and separator characters) round-trip exactly, also in filters",
    async run({ open }) {
      const store = await open();
      for (const [k, text] of HOSTILE_STRINGS.entries()) {
        const id = freshId(`h${k}`);
        const context = { value: text, [`key${text}`]: [text], nested: { text } };
        await store.create(
          input({
            id,
            task: text,
            userId: `u${text}`,
            channelId: text || "c",
            workspace: text,
            result: text,
            error: text,
            context,
            metadata: { m: text },
          }),
          { events: [{ type: "hostile", data: context }] },
        );
        await store.commit(id, {
          patch: { pause: { at: "2026-01-01T00:00:00.000Z", reason: text } },
          events: [{ type: "again", data: { text } }],
        });
        const read = (await store.getWithHistory(id))!;
        const label = JSON.stringify(text);
        for (const field of ["task", "workspace", "result", "error"] as const)
          assert.equal(read[field], text, `${field} ${label}`);
        assert.equal(read.userId, `u${text}`, `userId ${label}`);
        assert.equal(read.pause?.reason, text, `pause.reason ${label}`);
        assert.deepStrictEqual(read.context, context, `context ${label}`);
        assert.deepStrictEqual(read.metadata, { m: text }, `metadata ${label}`);
        assert.deepStrictEqual(
          read.history.map((event) => event.data),
          [context, { text }],
          `events ${label}`,
        );
        assert.equal(await store.count({ userId: `u${text}` }), 1, `filter by userId ${label}`);
        assert.equal(await store.count({ metadata: { m: text } }), 1, `metadata filter ${label}`);
      }
    },
  },
  {
    id: "SS-J-05",
    group: "SS-J",
    title:
      "timestamps are ISO-8601 UTC with milliseconds from every method, .001 survives, inputs are normalised",
    async run({ open, ctx }) {
      const store = await open();
      ctx.clock.set("2026-02-03T04:05:06.001Z");
      const id = freshId();
      const { session, events } = await store.create(
        input({
          id,
          deadlineAt: "2026-02-10T00:00:00+02:00",
          pause: { at: "2026-02-03T04:05:06Z" },
          status: "paused",
        }),
        { events: [{ type: "start" }] },
      );
      expectEqual(session.createdAt, "2026-02-03T04:05:06.001Z", "session.createdAt");
      expectEqual(session.deadlineAt, "2026-02-09T22:00:00.000Z", "session.deadlineAt");
      expectEqual(session.pause?.at, "2026-02-03T04:05:06.000Z", "session.pause?.at");
      ctx.clock.advance(998);
      const { session: done } = await store.commit(id, {
        patch: { status: "completed", endedAt: new Date("2026-02-03T04:05:06.999Z") as never, pause: null },
        events: [{ type: "complete" }],
      });
      expectEqual(done.updatedAt, "2026-02-03T04:05:06.999Z", "done.updatedAt");
      expectEqual(done.endedAt, "2026-02-03T04:05:06.999Z", "done.endedAt");
      const stamps = [
        ...allTimestamps(session as never),
        ...allTimestamps(done as never),
        ...allTimestamps((await store.get(id)) as never),
        ...(await store.list()).items.flatMap((item) => allTimestamps(item as never)),
        ...events.map((event) => event.timestamp),
        ...(await store.readEvents(id)).map((event) => event.timestamp),
      ];
      for (const stamp of stamps)
        assert.match(stamp, ISO_MS, `timestamp ${stamp}: expected ISO-8601 UTC with milliseconds`);
      expectDeepEqual(
        (await store.readEvents(id)).map((event) => event.timestamp),
        ["2026-02-03T04:05:06.001Z", "2026-02-03T04:05:06.999Z"],
        "(await store.readEvents(id)).map((event) => event.timestamp)",
      );
      const imported = freshId();
      await store.importSession(
        {
          ...(await store.get(id))!,
          id: imported,
          createdAt: "2025-01-01T00:00:00Z",
          updatedAt: "2025-01-01T01:00:00.5+01:00",
          eventCount: 0,
        },
        [],
      );
      const back = (await store.get(imported))!;
      expectEqual(back.createdAt, "2025-01-01T00:00:00.000Z", "back.createdAt");
      expectEqual(back.updatedAt, "2025-01-01T00:00:00.500Z", "back.updatedAt");
    },
  },
  {
    id: "SS-J-06",
    group: "SS-J",
    title: "a 1 MiB context and a 1 MiB event round-trip exactly",
    async run({ open, capabilities }) {
      const store = await open();
      const size = Math.min(1024 * 1024, capabilities.maxPayloadBytes - 4096);
      const chunk = "0123456789abcdef\u00e9\u0000\ud83d\ude00";
      const big = { blob: chunk.repeat(Math.floor(size / 2 / Buffer.byteLength(JSON.stringify(chunk)))) };
      const hash = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex");
      const id = freshId();
      await store.create(input({ id, context: big }), { events: [{ type: "big", data: big }] });
      const read = (await store.getWithHistory(id))!;
      assert.equal(hash(read.context), hash(big), "context changed");
      assert.equal(hash(read.history[0]!.data), hash(big), "event changed");
    },
  },
  {
    id: "SS-J-07",
    group: "SS-J",
    title:
      "over maxPayloadBytes is refused with ERR_PAYLOAD_TOO_LARGE, never truncated, and nothing is written",
    async run({ open, capabilities }) {
      const store = await open();
      const over = "x".repeat(capabilities.maxPayloadBytes + 1);
      const id = freshId();
      await expectCode(
        store.create(input({ id, context: { over } })),
        "ERR_PAYLOAD_TOO_LARGE",
        "create over the limit",
      );
      expectEqual(await store.get(id), null, "store.get(id)");
      await expectCode(
        store.create(input({ id }), { events: [{ type: "big", data: { over } }] }),
        "ERR_PAYLOAD_TOO_LARGE",
        "first event over the limit",
      );
      expectEqual(await store.get(id), null, "store.get(id)");
      await store.create(input({ id }), { events: [{ type: "start" }] });
      const before = await store.getWithHistory(id);
      await expectCode(
        store.commit(id, { patch: { task: over } }),
        "ERR_PAYLOAD_TOO_LARGE",
        "commit over the limit",
      );
      await expectCode(
        store.commit(id, { events: [{ type: "big", data: { over } }] }),
        "ERR_PAYLOAD_TOO_LARGE",
        "event over the limit",
      );
      expectDeepEqual(await store.getWithHistory(id), before, "store.getWithHistory(id)");
      expectEqual(await store.count(), 1, "store.count()");
    },
  },
];
