import {
  createManualClock,
  createMemoryStore,
  isSessionKitError,
  type SessionFilter,
  type SessionStore,
} from "@sessionkit/core";
import { createPostgresStore } from "@sessionkit/store-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChild } from "./child.js";
import {
  dropSchemas,
  mustHaveServer,
  PG_URL,
  pgAvailable,
  skipNote,
  testPool,
  uniqueSchema,
  unreachableReason,
} from "./pg-env.js";

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

it.skipIf(!pgAvailable && !mustHaveServer)(`PostgreSQL answers at ${PG_URL}${skipNote}`, () => {
  // Under CI=true a missing server fails here instead of skipping the suites below.
  expect(unreachableReason, "CI requires the server; start it with pg_ctlcluster … main start").toBeNull();
});

const HOSTILE = [
  "\u0000",
  "a\u0000b",
  "\ud83d",
  "\ude00",
  "x\ud83d\ude00y",
  "\udc00\ud800",
  '"\\u0000"',
  "é\u2028",
];

describe.skipIf(!pgAvailable)(`store-postgres contract details${skipNote}`, () => {
  let store: SessionStore;
  let schema: string;
  const clock = createManualClock("2026-03-01T10:00:00.000Z");
  const pool = pgAvailable ? testPool(3, { options: "-c TimeZone=America/Chicago" }) : undefined;

  beforeAll(async () => {
    schema = uniqueSchema();
    schemas.add(schema);
    store = createPostgresStore({ pool: pool! }, { schema, clock });
    // The pool's sessions run in Chicago time; nothing the store returns may notice.
    const { rows } = await pool!.query("SHOW TimeZone");
    expect(rows[0].TimeZone).toBe("America/Chicago");
  });
  afterAll(async () => {
    await store?.close();
    await pool?.end();
  });

  it("round-trips NUL and lone surrogates exactly in every field, history and filter", async () => {
    for (const [index, text] of HOSTILE.entries()) {
      const context = { [text]: text, nested: { list: [text, { [text]: null }] } };
      const metadata = { tag: text, [`k${index}`]: text, num: index };
      const { session } = await store.create(
        {
          mode: `mode${text}`,
          task: text,
          userId: `u${text}`,
          channelId: text,
          workspace: text,
          context,
          metadata,
          result: text,
        },
        { events: [{ type: "tool_call", data: { text, [text]: [text] } }] },
      );
      await store.commit(session.id, {
        patch: { error: text },
        events: [{ type: "learning", data: { text } }],
      });
      const full = await store.getWithHistory(session.id);
      expect(full).toMatchObject({
        mode: `mode${text}`,
        task: text,
        userId: `u${text}`,
        channelId: text,
        context,
        metadata,
      });
      expect(full?.error).toBe(text);
      expect(full?.history.map((event) => event.data)).toEqual([{ text, [text]: [text] }, { text }]);
      expect((await store.list({ userId: `u${text}` })).items.map((item) => item.id)).toEqual([session.id]);
      expect((await store.list({ channelId: text })).items.map((item) => item.id)).toEqual([session.id]);
      expect(await store.count({ metadata: { tag: text } })).toBe(1);
      expect(await store.count({ mode: `mode${text}` })).toBe(1);
      expect((await store.stats({ userId: `u${text}` })).byMode).toEqual({ [`mode${text}`]: 1 });
    }
    // The escaped index form of a hostile string never matches its own escape text.
    expect(await store.count({ metadata: { tag: "0000" } })).toBe(0);
  });

  it("stores timestamps as UTC ISO text regardless of the server session TimeZone and the reader's TZ", async () => {
    clock.set("2026-07-04T23:30:00.123Z"); // Chicago: still the 4th, Kolkata: the 5th
    const { session } = await store.create({ mode: "tz", task: "t" }, { events: [{ type: "start" }] });
    const { rows } = await pool!.query(
      `SELECT created_at, updated_at FROM "${schema}".sessions WHERE id = $1`,
      [session.id],
    );
    expect(rows[0]).toEqual({
      created_at: "2026-07-04T23:30:00.123Z",
      updated_at: "2026-07-04T23:30:00.123Z",
    });
    const child = startChild({ kind: "read", url: PG_URL, schema, id: session.id }, { TZ: "Asia/Kolkata" });
    const result = (await child.result) as {
      offset: number;
      session: { createdAt: string; history: { timestamp: string }[] };
    };
    expect(result.offset).toBe(-330);
    expect(result.session.createdAt).toBe("2026-07-04T23:30:00.123Z");
    expect(result.session.history[0]?.timestamp).toBe("2026-07-04T23:30:00.123Z");
    expect(
      (await store.list({ createdAfter: "2026-07-04T18:30:00.123-05:00" })).items.map((i) => i.id),
    ).toEqual([session.id]);
  });
});

describe.skipIf(!pgAvailable)(`store-postgres queries agree with the memory reference${skipNote}`, () => {
  let pgStore: SessionStore;
  let memory: SessionStore;

  beforeAll(async () => {
    const schema = uniqueSchema();
    schemas.add(schema);
    const pgClock = createManualClock("2026-01-01T00:00:00.000Z");
    const memClock = createManualClock("2026-01-01T00:00:00.000Z");
    pgStore = createPostgresStore({ connectionString: PG_URL, max: 2 }, { schema, clock: pgClock });
    memory = createMemoryStore({ clock: memClock });
    const values = [1, "1", true, "true", null, 0, "", 1.5, { nested: 1 }, [1], "\u0000", "\ud800"];
    const ids = ["session_B", "session_a", "session_Z", "session_b", "session_0", "session__", "session_-"];
    let n = 0;
    for (const store of [pgStore, memory]) {
      const clock = store === pgStore ? pgClock : memClock;
      for (let i = 0; i < 40; i++) {
        // Several sessions share a createdAt so ties are broken by id (byte order).
        if (i % 3 === 0) clock.advance(1000);
        const metadata: Record<string, unknown> = { v: values[i % values.length] };
        if (i % 4 === 0) metadata.w = values[(i * 7) % values.length];
        if (i % 5 === 0) metadata.__proto__x = 1;
        const id = i < ids.length ? ids[i] : `session_${String.fromCharCode(65 + (i % 26))}${i}`;
        const { session } = await store.create({
          id,
          mode: ["chat", "code", "Chat"][i % 3]!,
          task: `t${i}`,
          userId: i % 2 ? "alice" : "Alice",
          ...(i % 7 ? { channelId: `c${i % 3}` } : {}),
          iterations: i,
          status: (["active", "paused", "completed", "failed", "timeout"] as const)[i % 5],
          metadata: metadata as never,
        });
        if (i % 6 === 0) {
          clock.advance(10);
          await store.commit(session.id, {
            events: [{ type: "iteration" }, { type: "learning", data: { i } }],
          });
        }
        n++;
      }
    }
    expect(n).toBe(80);
  });
  afterAll(async () => {
    await pgStore?.close();
    await memory?.close();
  });

  const filters: SessionFilter[] = [
    {},
    { userId: "alice" },
    { mode: "chat" },
    { channelId: "c1" },
    { status: ["completed", "failed"] },
    { metadata: { v: 1 } },
    { metadata: { v: "1" } },
    { metadata: { v: true } },
    { metadata: { v: null } },
    { metadata: { v: 0 } },
    { metadata: { v: "" } },
    { metadata: { v: 1.5 } },
    { metadata: { v: "\u0000" } },
    { metadata: { v: "\ud800" } },
    { metadata: { v: 1, w: 1 } },
    { metadata: { missing: null } },
    { createdAfter: "2026-01-01T00:00:05.000Z", createdBefore: "2026-01-01T00:00:09.000Z" },
    { updatedAfter: "2026-01-01T00:00:07.010Z" },
    { userId: "Alice", mode: "code", status: "active" },
  ];

  it("list, count and stats give the memory store's answers for every filter, page by page", async () => {
    let nonEmpty = 0;
    for (const filter of filters) {
      const count = await pgStore.count(filter);
      if (count > 0) nonEmpty++;
      expect(count).toBe(await memory.count(filter));
      expect(await pgStore.stats(filter)).toEqual(await memory.stats(filter));
      const walk = async (store: SessionStore) => {
        const seen: unknown[] = [];
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<SessionStore["list"]>> = await store.list({
            ...filter,
            limit: 3,
            cursor,
          });
          expect(page.corrupt).toEqual([]);
          seen.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        return seen;
      };
      expect(await walk(pgStore)).toEqual(await walk(memory));
    }
    expect(nonEmpty).toBeGreaterThanOrEqual(filters.length - 2);
  });

  it("prune removes exactly the sessions the memory store removes", async () => {
    const input = {
      olderThan: "2026-01-01T00:00:08.000Z",
      statuses: ["completed", "paused"] as ("completed" | "paused")[],
    };
    const dry = await pgStore.prune({ ...input, dryRun: true });
    expect(dry).toEqual(await memory.prune({ ...input, dryRun: true }));
    expect(dry.count).toBeGreaterThan(0);
    expect(await pgStore.prune(input)).toEqual(await memory.prune(input));
    expect(await pgStore.count()).toBe(await memory.count());
    for (const id of dry.ids) expect(await pgStore.getWithHistory(id)).toBeNull();
  });

  it("readEvents ranges and last match the memory store", async () => {
    const { items } = await memory.list({ limit: 100 });
    for (const { id, eventCount } of items.filter((item) => item.eventCount > 0)) {
      for (const range of [
        {},
        { fromSeq: 2 },
        { toSeq: 1 },
        { fromSeq: 1, limit: 1 },
        { last: 1 },
        { last: 5 },
        { fromSeq: 9 },
      ]) {
        expect(await pgStore.readEvents(id, range)).toEqual(await memory.readEvents(id, range));
      }
      expect(eventCount).toBe(2);
    }
    const missing = await pgStore.readEvents("session_missing").catch((error: unknown) => error);
    expect(isSessionKitError(missing, "ERR_SESSION_NOT_FOUND")).toBe(true);
    expect(await pgStore.readEvents("session_B", { fromSeq: 50 })).toEqual([]);
  });
});
