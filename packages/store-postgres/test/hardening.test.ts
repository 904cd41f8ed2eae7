import { createManualClock, createMemoryStore, type SessionStore } from "@sessionkit/core";
import { createPostgresStore } from "@sessionkit/store-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropSchemas, pgAvailable, skipNote, testPool, uniqueSchema } from "./pg-env.js";

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

// Issue 14 #1 and #9: what a commit returns is the caller's to mutate, and out-of-range reads
// answer as on every other store.
describe.skipIf(!pgAvailable)(`store-postgres: returned objects and edge reads${skipNote}`, () => {
  let store: SessionStore;
  const pool = pgAvailable ? testPool(3) : undefined;

  beforeAll(() => {
    const schema = uniqueSchema();
    schemas.add(schema);
    store = createPostgresStore({ pool: pool! }, { schema, clock: createManualClock() });
  });
  afterAll(async () => {
    await store?.close();
    await pool?.end();
  });

  async function fresh(id: string) {
    const reader = createPostgresStore({ pool: pool! }, { schema: [...schemas][0]! });
    try {
      return await reader.get(id);
    } finally {
      await reader.close();
    }
  }

  it("deleting a key from a returned session's context never reaches the database", async () => {
    const { session } = await store.create({ mode: "m", task: "t", context: { apiKey: "k", n: 1 } });
    const r = await store.commit(session.id, { events: [{ type: "note" }] });
    delete (r.session.context as Record<string, unknown>).apiKey;
    await store.commit(session.id, { events: [{ type: "note" }] });
    expect((await fresh(session.id))?.context).toEqual({ apiKey: "k", n: 1 });
  });

  it("fields set on a returned session are not stored by the next commit", async () => {
    const { session } = await store.create({ mode: "m", task: "t" });
    const { session: p } = await store.commit(session.id, {
      patch: { status: "paused" },
      events: [{ type: "pause" }],
    });
    (p as { status: string }).status = "active";
    (p as { iterations: number }).iterations = 999;
    await store.commit(session.id, { events: [{ type: "note" }] });
    const stored = await fresh(session.id);
    expect(stored?.status).toBe("paused");
    expect(stored?.iterations).toBe(0);
  });

  it("a raw commit's returned session can be changed without changing the next commit", async () => {
    const { session } = await store.create({ mode: "m", task: "original" });
    const c = await store.commit(session.id, { events: [{ type: "note" }] });
    (c.session as { task: string }).task = "HIJACKED";
    const after = await store.commit(session.id, { events: [{ type: "note" }] });
    expect(after.session.task).toBe("original");
    expect((await fresh(session.id))?.task).toBe("original");
  });

  it("readEvents with bounds past 2^31 or an unbounded limit answers like the memory store", async () => {
    const memory = createMemoryStore({ clock: createManualClock() });
    const answers = async (s: SessionStore) => {
      const { session } = await s.create(
        { mode: "m", task: "t" },
        { events: [{ type: "a" }, { type: "b" }] },
      );
      const seqs = async (range: Parameters<SessionStore["readEvents"]>[1]) =>
        (await s.readEvents(session.id, range)).map((event) => event.seq);
      return [
        await seqs({ fromSeq: 2 ** 31 }),
        await seqs({ toSeq: 2 ** 31 }),
        await seqs({ fromSeq: 2, toSeq: Number.MAX_SAFE_INTEGER }),
        await seqs({ limit: Number.MAX_SAFE_INTEGER }),
        await seqs({ fromSeq: 2, limit: Number.MAX_SAFE_INTEGER }),
        await seqs({ last: Number.MAX_SAFE_INTEGER }),
        await seqs({ fromSeq: Number.MAX_SAFE_INTEGER }),
      ];
    };
    const expected = await answers(memory);
    expect(expected).toEqual([[], [1, 2], [2], [1, 2], [2], [1, 2], []]);
    expect(await answers(store)).toEqual(expected);
    await memory.close();
  });

  it("a forged cursor carrying NUL is refused with ERR_INVALID_CURSOR", async () => {
    const userId = `u-${Date.now()}`;
    for (let i = 0; i < 3; i++) await store.create({ mode: "m", task: "t", userId });
    const page = await store.list({ userId, limit: 1 });
    expect(page.nextCursor).toBeTruthy();
    const payload = JSON.parse(Buffer.from(page.nextCursor!, "base64url").toString("utf8"));
    for (const forged of [
      { ...payload, i: "session_\u0000x" },
      { ...payload, c: "2026-01-01T00:00:00.000Z\u0000" },
    ]) {
      const cursor = Buffer.from(JSON.stringify(forged), "utf8").toString("base64url");
      await expect(store.list({ userId, limit: 1, cursor })).rejects.toMatchObject({
        code: "ERR_INVALID_CURSOR",
      });
    }
  });
});
