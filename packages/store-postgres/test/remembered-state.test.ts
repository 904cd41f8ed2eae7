import { createManualClock, type SessionStore } from "@sessionkit/core";
import { createPostgresStore } from "@sessionkit/store-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropSchemas, pgAvailable, skipNote, testPool, uniqueSchema } from "./pg-env.js";

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

// An append plans from the state this handle last committed; these cases change the row behind
// the handle's back at the same version and check the next append notices.
describe.skipIf(!pgAvailable)(`store-postgres: appends from the handle's remembered state${skipNote}`, () => {
  let store: SessionStore;
  let other: SessionStore;
  let schema: string;
  const pool = pgAvailable ? testPool(3) : undefined;

  beforeAll(() => {
    schema = uniqueSchema();
    schemas.add(schema);
    store = createPostgresStore({ pool: pool! }, { schema, clock: createManualClock() });
    other = createPostgresStore({ pool: pool! }, { schema, clock: createManualClock() });
  });
  afterAll(async () => {
    await store?.close();
    await other?.close();
    await pool?.end();
  });

  async function warm(): Promise<string> {
    const { session } = await store.create({ mode: "m", task: "original" });
    await store.commit(session.id, { events: [{ type: "note", data: { n: 1 } }] });
    return session.id;
  }

  it("a record edited behind the store at the same version is read again, not overwritten", async () => {
    const id = await warm();
    const { rows } = await pool!.query(`SELECT record FROM "${schema}".sessions WHERE id = $1`, [id]);
    const edited = { ...JSON.parse(rows[0].record), task: "edited by hand" };
    await pool!.query(`UPDATE "${schema}".sessions SET record = $2 WHERE id = $1`, [
      id,
      JSON.stringify(edited),
    ]);
    const { session } = await store.commit(id, { events: [{ type: "note", data: { n: 2 } }] });
    expect(session.task).toBe("edited by hand");
    expect(session.version).toBe(3);
    expect((await store.getWithHistory(id))?.history.map((e) => e.data.n)).toEqual([1, 2]);
  });

  it("a record damaged behind the store fails the next append with ERR_CORRUPT_RECORD and changes nothing", async () => {
    const id = await warm();
    await pool!.query(`UPDATE "${schema}".sessions SET record = '{"broken' WHERE id = $1`, [id]);
    await expect(store.commit(id, { events: [{ type: "note" }] })).rejects.toMatchObject({
      code: "ERR_CORRUPT_RECORD",
    });
    const { rows } = await pool!.query(
      `SELECT count(*)::int AS n FROM "${schema}".events WHERE session_id = $1`,
      [id],
    );
    expect(rows[0].n).toBe(1);
  });

  it("a change by another handle is seen: expectedVersion is judged on fresh data, nothing is lost", async () => {
    const id = await warm();
    await other.commit(id, { events: [{ type: "note", data: { n: 2 } }] });
    // This handle remembers version 2; the caller read version 3 from the other handle.
    const { session } = await store.commit(id, {
      expectedVersion: 3,
      events: [{ type: "note", data: { n: 3 } }],
    });
    expect(session.version).toBe(4);
    await expect(store.commit(id, { expectedVersion: 3, events: [{ type: "late" }] })).rejects.toMatchObject({
      code: "ERR_VERSION_CONFLICT",
    });
    const { session: last } = await other.commit(id, { events: [{ type: "note", data: { n: 4 } }] });
    const { session: mine } = await store.commit(id, { events: [{ type: "note", data: { n: 5 } }] });
    expect(mine.version).toBe(last.version + 1);
    expect((await store.getWithHistory(id))?.history.map((e) => e.data.n)).toEqual([1, 2, 3, 4, 5]);
  });

  it("a session deleted and recreated elsewhere is not written from memory", async () => {
    const id = await warm();
    await other.delete(id);
    await other.create({ id, mode: "m", task: "recreated" });
    const { session } = await store.commit(id, { events: [{ type: "note", data: { n: 9 } }] });
    expect(session.task).toBe("recreated");
    expect(session.version).toBe(2);
    expect((await store.getWithHistory(id))?.history.map((e) => e.data.n)).toEqual([9]);
  });
});
