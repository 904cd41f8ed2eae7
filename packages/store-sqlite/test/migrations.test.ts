import { createManualClock, isSessionKitError } from "@sessionkit/core";
import {
  createSqliteStore,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  migrate,
  readSchemaVersion,
} from "@sessionkit/store-sqlite";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { dbFile, rawDb, tempDir } from "./helpers.js";

describe("store-sqlite migrations", () => {
  it("the migrations are numbered 1..n without gaps", () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(
      Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1),
    );
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it("opening a schema-1 database with data migrates it; its sessions keep working, metadata filters included", async () => {
    const file = dbFile(tempDir());
    // Write a schema-1 database as the first release would have: migrate to 1 only, then store rows.
    const old = new Database(file);
    migrate(old, 1);
    const record = {
      schemaVersion: 2,
      id: "session_old1",
      mode: "m",
      task: "t",
      status: "active",
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
      iterations: 0,
      maxIterations: 100,
      context: {},
      metadata: { team: "a", n: 1 },
      version: 1,
      eventCount: 1,
    };
    old
      .prepare(
        "INSERT INTO sessions (id, user_id, channel_id, mode, status, created_at, updated_at, updated_minute, iterations, event_count, record) VALUES (?, NULL, NULL, ?, ?, ?, ?, ?, 0, 1, ?)",
      )
      .run(
        record.id,
        '"m"',
        "active",
        record.createdAt,
        record.updatedAt,
        record.updatedAt.slice(0, 16),
        JSON.stringify(record),
      );
    old.prepare("INSERT INTO events VALUES (?, 1, ?, 'start', '{}')").run(record.id, record.createdAt);
    old.close();

    const store = createSqliteStore({ filename: file });
    const raw = rawDb(file);
    expect(readSchemaVersion(raw)).toBe(LATEST_SCHEMA_VERSION);
    raw.close();
    const { schemaVersion: _, ...session } = record;
    expect(await store.get(record.id)).toEqual(session);
    expect((await store.list({ metadata: { team: "a" } })).items.map((item) => item.id)).toEqual([record.id]);
    expect((await store.list({ metadata: { n: "1" } })).items).toEqual([]);
    const { session: next } = await store.commit(record.id, { events: [{ type: "more" }] });
    expect(next.eventCount).toBe(2);
    await store.close();
  });

  it("a schema-2 database gets its version column from the records; then an events-only append writes counters, not the record", async () => {
    const file = dbFile(tempDir());
    const old = new Database(file);
    migrate(old, 2);
    const insert = old.prepare(
      "INSERT INTO sessions (id, user_id, channel_id, mode, status, created_at, updated_at, updated_minute, iterations, event_count, record) VALUES (?, NULL, NULL, '\"m\"', 'paused', ?, ?, ?, 2, 0, ?)",
    );
    const at = "2026-01-01T00:00:00.000Z";
    const record = (id: string, version: number) =>
      JSON.stringify({
        schemaVersion: 2,
        ...{ id, mode: "m", task: "t", status: "paused", createdAt: at, updatedAt: at },
        ...{ iterations: 2, maxIterations: 100, context: { k: 1 }, version, eventCount: 0 },
      });
    insert.run("session_v7", at, at, at.slice(0, 16), record("session_v7", 7));
    insert.run("session_broken", at, at, at.slice(0, 16), "{not json");
    old.close();

    const store = createSqliteStore({ filename: file, clock: createManualClock("2026-02-01T00:00:00.000Z") });
    expect((await store.get("session_v7"))?.version).toBe(7);
    await expect(store.get("session_broken")).rejects.toMatchObject({ code: "ERR_CORRUPT_RECORD" });
    await expect(
      store.commit("session_v7", { expectedVersion: 6, events: [{ type: "x" }] }),
    ).rejects.toMatchObject({
      code: "ERR_VERSION_CONFLICT",
    });
    const before = rawDb(file);
    const stored = () =>
      before
        .prepare("SELECT record, version, event_count, updated_at FROM sessions WHERE id = ?")
        .get("session_v7");
    const recordBefore = (stored() as { record: string }).record;
    const { session } = await store.commit("session_v7", {
      expectedVersion: 7,
      events: [{ type: "note", data: { n: 1 } }],
    });
    expect(session).toMatchObject({ version: 8, eventCount: 1, updatedAt: "2026-02-01T00:00:00.000Z" });
    expect(stored()).toEqual({
      record: recordBefore,
      version: 8,
      event_count: 1,
      updated_at: "2026-02-01T00:00:00.000Z",
    });
    // The columns are the truth for these fields; every read agrees with the commit's result.
    expect(await store.get("session_v7")).toEqual(session);
    expect(
      (await store.list({ status: "paused" })).items.find((item) => item.id === "session_v7"),
    ).toMatchObject({
      version: 8,
      eventCount: 1,
      updatedAt: "2026-02-01T00:00:00.000Z",
    });
    // A change to a field only the record holds rewrites it, with every current value.
    await store.commit("session_v7", { patch: { task: "new task" } });
    const rewritten = JSON.parse((stored() as { record: string }).record);
    expect(rewritten).toMatchObject({ task: "new task", version: 9, eventCount: 1, status: "paused" });
    before.close();
    await store.close();
  });

  it("a database with a newer schema is refused with ERR_UNSUPPORTED_SCHEMA and left untouched", async () => {
    const file = dbFile(tempDir());
    await createSqliteStore({ filename: file }).close();
    const raw = rawDb(file);
    raw.prepare("INSERT INTO sessionkit_migrations (version, applied_at) VALUES (99, 'later')").run();
    const before = raw.prepare("SELECT * FROM sessionkit_migrations ORDER BY version").all();
    raw.close();
    let error: unknown;
    try {
      createSqliteStore({ filename: file });
    } catch (caught) {
      error = caught;
    }
    expect(isSessionKitError(error, "ERR_UNSUPPORTED_SCHEMA")).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(`schema version ${LATEST_SCHEMA_VERSION} or older, got 99.*upgrade`, "i"),
    );
    const after = rawDb(file);
    expect(after.prepare("SELECT * FROM sessionkit_migrations ORDER BY version").all()).toEqual(before);
    after.close();
  });

  it("a handed database with a newer schema is refused and still open", () => {
    const db = new Database(":memory:");
    migrate(db);
    const newer = LATEST_SCHEMA_VERSION + 1;
    db.prepare("INSERT INTO sessionkit_migrations (version, applied_at) VALUES (?, 'later')").run(newer);
    expect(() => createSqliteStore({ database: db })).toThrow(
      new RegExp(`ERR_UNSUPPORTED_SCHEMA|got ${newer}`),
    );
    expect(db.open).toBe(true);
    db.close();
  });

  it("a failing migration step rolls back entirely and records nothing", () => {
    const db = new Database(":memory:");
    migrate(db, 1);
    // Step 2's last statement creates an index of this name, so the step fails after its first statements ran.
    db.exec("CREATE TABLE sessions_by_status_created (x)");
    expect(() => migrate(db)).toThrow(/already a table named sessions_by_status_created/);
    expect(readSchemaVersion(db)).toBe(1);
    for (const name of ["session_metadata", "sessions_by_mode"]) {
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = ?").get(name)).toBeUndefined();
    }
    db.close();
  });
});
