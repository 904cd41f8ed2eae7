import { createPostgresStore } from "@sessionkit/store-postgres";
import { afterAll, describe, expect, it } from "vitest";
import { take } from "../../core/test/watch-take.js";
import { dropSchemas, pgAvailable, skipNote, testPool, uniqueSchema } from "./pg-env.js";

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

const idle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe.skipIf(!pgAvailable)(`store-postgres change log without a hot row (migration 8)${skipNote}`, () => {
  it("a commit of one session never waits for an open transaction that changed another session", async () => {
    const schema = uniqueSchema("sk_stamp");
    schemas.add(schema);
    const pool = testPool(4);
    const store = createPostgresStore({ pool }, { schema });
    const a = (await store.create({ mode: "m", task: "a" })).session;
    const b = (await store.create({ mode: "m", task: "b" })).session;
    const open = await pool.connect();
    try {
      // A write of session a that has not committed yet (its change row is written, like any commit's).
      await open.query("BEGIN");
      await open.query(`DELETE FROM "${schema}".sessions WHERE id = $1`, [a.id]);
      const openPid = (await open.query("SELECT pg_backend_pid() AS p")).rows[0].p;
      let settled = false;
      const pending = store.commit(b.id, { events: [{ type: "e" }] }).finally(() => {
        settled = true;
      });
      // Until the commit of b returns: is any other backend of this schema waiting for a lock?
      let waiting = 0;
      while (!settled && waiting === 0) {
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> $1
           AND position($2 in query) > 0`,
          [openPid, schema],
        );
        waiting = rows[0].n;
        if (waiting === 0) await idle();
      }
      await open.query("ROLLBACK");
      expect(waiting).toBe(0);
      expect((await pending).session.version).toBe(b.version + 1);
    } finally {
      open.release();
      await store.close();
      await pool.end();
    }
  });

  it("a change that commits after a later-written one is read after it: no change is skipped, each once", async () => {
    const schema = uniqueSchema("sk_stamp");
    schemas.add(schema);
    const pool = testPool(4);
    const store = createPostgresStore({ pool }, { schema });
    const a = (await store.create({ mode: "m", task: "a" })).session;
    const b = (await store.create({ mode: "m", task: "b" })).session;
    const open = await pool.connect();
    try {
      await open.query("BEGIN");
      await open.query(`DELETE FROM "${schema}".sessions WHERE id = $1`, [a.id]);
      await store.commit(b.id, { events: [{ type: "e" }] });
      // Read while a's change is written but not committed: it is not there, and nothing after it is lost.
      const before = await take(store.watch({}, { since: "start" }), 3);
      expect(before.map((item) => [item.sessionId, item.change.kind])).toEqual([
        [a.id, "created"],
        [b.id, "created"],
        [b.id, "committed"],
      ]);
      await open.query("COMMIT");
      const after = await take(store.watch({}, { since: before[2]!.cursor }), 1);
      expect(after.map((item) => [item.sessionId, item.change.kind])).toEqual([[a.id, "deleted"]]);
      // From the start again: all four, each once, in that order.
      const all = await take(store.watch({}, { since: "start" }), 4);
      expect(all.map((item) => item.cursor)).toEqual([...before, ...after].map((item) => item.cursor));
    } finally {
      open.release();
      await store.close();
      await pool.end();
    }
  });
});
