import {
  createManualClock,
  createMemoryStore,
  type SessionFilter,
  type SessionStore,
} from "@sessionkit/core";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import { describe, expect, it } from "vitest";
import { dbFile, rawDb, tempDir } from "./helpers.js";

const HOSTILE = [
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff",
  "x\ud83dy",
  "\ufffd",
  "\ud83d\ude00",
  "'; DROP TABLE sessions; --",
  '"quoted"',
  "\\",
  "%_",
  "\u2028\u2029",
  "é",
  "e\u0301",
];

describe("store-sqlite fidelity", () => {
  it("hostile strings round-trip exactly in every field and stay distinct in filters (a lone surrogate is not U+FFFD)", async () => {
    const file = dbFile(tempDir());
    const store = createSqliteStore({ filename: file });
    const ids: string[] = [];
    for (const [index, text] of HOSTILE.entries()) {
      const { session } = await store.create(
        {
          id: `session_h${index}`,
          mode: text,
          task: text,
          userId: text,
          channelId: text,
          workspace: text,
          context: { [text]: text },
          metadata: { tag: text, [text]: text },
        },
        { events: [{ type: "start", data: { text, nested: [text, { [text]: text }] } }] },
      );
      ids.push(session.id);
      const read = await store.getWithHistory(session.id);
      expect(read).toEqual({
        ...session,
        history: [
          {
            seq: 1,
            timestamp: session.createdAt,
            type: "start",
            data: { text, nested: [text, { [text]: text }] },
          },
        ],
      });
      expect(read?.mode).toBe(text);
    }
    for (const [index, text] of HOSTILE.entries()) {
      for (const filter of [
        { mode: text },
        { userId: text },
        { channelId: text },
        { metadata: { tag: text } },
      ] as SessionFilter[]) {
        expect((await store.list(filter)).items.map((item) => item.id)).toEqual([ids[index]]);
        expect(await store.count(filter)).toBe(1);
      }
    }
    const stats = await store.stats();
    expect(Object.keys(stats.byMode).sort()).toEqual([...HOSTILE].sort());
    // Behind the store's back: the columns hold JSON text, so nothing was replaced on the way to UTF-8.
    const raw = rawDb(file);
    const row = raw.prepare("SELECT mode, user_id FROM sessions WHERE id = ?").get("session_h2") as {
      mode: string;
      user_id: string;
    };
    expect(row).toEqual({ mode: '"\\ud800"', user_id: '"\\ud800"' });
    raw.close();
    await store.close();
  });

  it("large values round-trip exactly: a 4 MiB context and a 2 MiB event", async () => {
    const store = createSqliteStore({ filename: dbFile(tempDir()) });
    const big = "\ud800😀a\u0000".repeat(512 * 1024);
    const { session } = await store.create({
      mode: "m",
      task: "t",
      context: { big, again: big.slice(0, 2 * 1024 * 1024) },
    });
    const { events } = await store.commit(session.id, {
      events: [{ type: "blob", data: { blob: big.slice(0, 1024 * 1024), n: 1 } }],
    });
    expect((await store.get(session.id))?.context).toEqual({ big, again: big.slice(0, 2 * 1024 * 1024) });
    expect(await store.readEvents(session.id)).toEqual(events);
    await store.close();
  });
});

/** The same writes on the reference memory store and on SQLite, with the same clock readings. */
async function twinStores(): Promise<[SessionStore, SessionStore]> {
  const start = Date.parse("2026-11-24T10:00:00.000Z");
  const memoryClock = createManualClock(start);
  const sqliteClock = createManualClock(start);
  const memory = createMemoryStore({ clock: memoryClock });
  const sqlite = createSqliteStore({ filename: dbFile(tempDir()), clock: sqliteClock });
  const values = [
    1,
    "1",
    true,
    false,
    0,
    "0",
    null,
    "",
    "true",
    1.5,
    -0,
    1e21,
    [1],
    { a: 1 },
    "\ud800",
    "\ufffd",
  ];
  let n = 0;
  for (const store of [memory, sqlite]) {
    const clock = store === memory ? memoryClock : sqliteClock;
    n = 0;
    for (const [index, value] of values.entries()) {
      for (const status of ["active", "completed"] as const) {
        clock.advance(index % 3 === 0 ? 0 : 1000 * 61); // ties on createdAt, and updatedAt across minutes
        const id = `session_d${String(n++).padStart(3, "0")}`;
        await store.create({
          id,
          mode: index % 2 ? "code" : "chat",
          task: "t",
          status,
          ...(index % 4 ? { userId: `u${index % 3}` } : {}),
          metadata:
            index % 5 === 4
              ? { other: value }
              : { k: value, __proto__x: index, ...(index % 3 ? { extra: "x" } : {}) },
        } as never);
        if (index % 2) {
          clock.advance(7);
          await store.commit(id, { patch: { iterations: index }, events: [{ type: "tick" }] });
        }
      }
    }
  }
  return [memory, sqlite];
}

describe("store-sqlite queries agree with the reference semantics", () => {
  it("metadata filters are type-exact and agree with core's matchesFilter ('1' ≠ 1, true ≠ 1, false ≠ 0, null ≠ absent)", async () => {
    const [memory, sqlite] = await twinStores();
    const filters: SessionFilter[] = [
      {},
      ...[1, "1", true, false, 0, "0", null, "", "true", 1.5, 1e21, "\ud800", "\ufffd"].map((k) => ({
        metadata: { k },
      })),
      { metadata: { k: 1, extra: "x" } },
      { metadata: { other: null } },
      { metadata: { missing: null } },
      { metadata: { k: -0 } },
      { metadata: { k: 1 }, status: "active" },
      { metadata: { __proto__x: 3 } },
    ];
    for (const filter of filters) {
      const [a, b] = [
        await memory.list({ ...filter, limit: 1000 }),
        await sqlite.list({ ...filter, limit: 1000 }),
      ];
      expect(b.items, JSON.stringify(filter)).toEqual(a.items);
      expect(await sqlite.count(filter)).toBe(await memory.count(filter));
      expect(await sqlite.stats(filter)).toEqual(await memory.stats(filter));
    }
    // The matrix really discriminates: "1" and 1 and true each match a different set.
    expect(await sqlite.count({ metadata: { k: 1 } })).toBe(2);
    expect(await sqlite.count({ metadata: { k: "1" } })).toBe(2);
    expect(await sqlite.count({ metadata: { k: true } })).toBe(2);
  });

  it("every other filter, the order and cursor walks agree with the memory store", async () => {
    const [memory, sqlite] = await twinStores();
    const t = (minutes: number) =>
      new Date(Date.parse("2026-11-24T10:00:00.000Z") + minutes * 60_000).toISOString();
    const filters: SessionFilter[] = [
      { userId: "u1" },
      { userId: "u1", status: "completed" },
      { mode: "code" },
      { channelId: "nobody" },
      { status: ["active", "paused"] },
      { createdAfter: t(5), createdBefore: t(20) },
      { updatedAfter: t(5) },
      { updatedBefore: t(10), mode: "chat" },
      { updatedAfter: t(3), updatedBefore: t(3) },
      { createdAfter: t(7), userId: "u2", status: ["completed"] },
    ];
    for (const filter of [{}, ...filters]) {
      for (const limit of [1, 3, 1000]) {
        const walk = async (store: SessionStore) => {
          const ids: string[] = [];
          let cursor: string | null = null;
          do {
            const page = await store.list({ ...filter, limit, cursor });
            ids.push(...page.items.map((item) => item.id));
            cursor = page.nextCursor;
          } while (cursor);
          return ids;
        };
        expect(await walk(sqlite), JSON.stringify(filter)).toEqual(await walk(memory));
      }
      expect(await sqlite.stats(filter)).toEqual(await memory.stats(filter));
    }
    for (const olderThan of [t(0), t(10), t(100)]) {
      expect(await sqlite.prune({ olderThan, dryRun: true })).toEqual(
        await memory.prune({ olderThan, dryRun: true }),
      );
    }
    expect(await sqlite.prune({ olderThan: t(12) })).toEqual(await memory.prune({ olderThan: t(12) }));
    expect((await sqlite.list({ limit: 1000 })).items).toEqual((await memory.list({ limit: 1000 })).items);
  });
});
