import { createPostgresStore } from "@sessionkit/store-postgres";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchemas, pgAvailable, skipNote, testPool, uniqueSchema } from "./pg-env.js";

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

describe.skipIf(!pgAvailable)(`store-postgres change-log retention${skipNote}`, () => {
  it("trims session_changes as it grows and raises the watermark; the newest row stays", async () => {
    const schema = uniqueSchema("sk_keep");
    schemas.add(schema);
    const pool = testPool(2);
    const store = createPostgresStore({ pool }, { schema, changeLog: { maxLength: 40 } });
    const { session } = await store.create({ mode: "m", task: "t" });
    for (let k = 0; k < 300; k++) await store.commit(session.id, { events: [{ type: "e" }] });
    // Positions are stamped by readers (migration 8); the writes since the last trim have none yet.
    await pool.query(`SELECT "${schema}".sessionkit_stamp_changes()`);
    const { rows } = await pool.query<{ n: string; head: string; trimmed: string }>(
      `SELECT count(*) AS n, max(pos) AS head, (SELECT pos FROM "${schema}".session_changes_trimmed) AS trimmed FROM "${schema}".session_changes`,
    );
    await store.close();
    await pool.end();
    expect(Number(rows[0]!.head)).toBe(301);
    // 40 kept, plus at most one trim's slack (5) written since the last trim.
    expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(40);
    expect(Number(rows[0]!.n)).toBeLessThanOrEqual(40 + 5);
    expect(Number(rows[0]!.trimmed)).toBeGreaterThan(250);
  });

  it("refuses a changeLog.maxLength that is not a positive integer with ERR_INVALID_INPUT", () => {
    for (const maxLength of [0, 2.5]) {
      expect(() =>
        createPostgresStore(
          { connectionString: "postgres://127.0.0.1:1/none" },
          { changeLog: { maxLength } },
        ),
      ).toThrow(expect.objectContaining({ code: "ERR_INVALID_INPUT" }));
    }
  });
});
