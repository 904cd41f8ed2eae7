import { expectSameInboxPages, randomInboxHistory } from "@sessionkit/conformance";
import { createManualClock, createMemoryStore } from "@sessionkit/core";
import { createPostgresStore } from "@sessionkit/store-postgres";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchemas, PG_URL, pgAvailable, skipNote, testPool, uniqueSchema } from "./pg-env.js";

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));
const START = Date.parse("2026-01-01T00:00:00.000Z");

describe.skipIf(!pgAvailable)(`store-postgres inbox index (awaiting, inbox_expires)${skipNote}`, () => {
  it("answers every inbox query and page exactly as the generic scan (memory store); the backfill too", async () => {
    const clock = createManualClock(START);
    const schema = uniqueSchema();
    schemas.add(schema);
    const store = createPostgresStore({ connectionString: PG_URL, max: 2 }, { schema, clock });
    const memory = createMemoryStore({ clock });
    await randomInboxHistory([store, memory], clock, 5, 120);
    expect(await expectSameInboxPages(store, memory)).toBeGreaterThan(20);
    await store.close();
    // Back to schema 2 with the flags cleared: the migration must find the awaiting rows again. The
    // migrations after 3 are rewound too (their objects dropped, their records deleted): the store
    // migrates from MAX(version), so a schema still recording 4 or 5 would never run 3 again.
    const pool = testPool();
    await pool.query(`DROP INDEX "${schema}".sessions_inbox_idx, "${schema}".sessions_inbox_user_idx,
      "${schema}".sessions_inbox_channel_idx`);
    await pool.query(`ALTER TABLE "${schema}".sessions DROP COLUMN awaiting, DROP COLUMN inbox_expires`);
    await pool.query(`DROP TABLE "${schema}".sessionkit_leases, "${schema}".session_changes_trimmed`);
    // Migration 8 (stamped change positions), back to migration 2's shape.
    await pool.query(`SELECT "${schema}".sessionkit_stamp_changes()`);
    await pool.query(`DROP FUNCTION "${schema}".sessionkit_stamp_changes(); DROP INDEX "${schema}".session_changes_pos_idx;
      ALTER TABLE "${schema}".session_changes DROP COLUMN id, ALTER COLUMN pos SET NOT NULL, ADD PRIMARY KEY (pos)`);
    await pool.query(`DELETE FROM "${schema}".sessionkit_migrations WHERE version >= 3`);
    await pool.end();
    const reopened = createPostgresStore({ connectionString: PG_URL, max: 2 }, { schema, clock });
    expect(await expectSameInboxPages(reopened, memory)).toBeGreaterThan(20);
    await reopened.close();
  });
});
