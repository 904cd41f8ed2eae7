import { existsSync } from "node:fs";
import { join } from "node:path";
import { createManualClock, isSessionKitError } from "@sessionkit/core";
import { createSqliteStore, LATEST_SCHEMA_VERSION, sqliteStoreCapabilities } from "@sessionkit/store-sqlite";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { dbFile, rawDb, tempDir } from "./helpers.js";

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return isSessionKitError(error) ? error.code : error;
  }
  return "no error";
};

describe("createSqliteStore", () => {
  it("a store opened from a filename closes its database; reopening the file sees the data", async () => {
    const file = dbFile(tempDir());
    const store = createSqliteStore({ filename: file });
    const { session } = await store.create({ mode: "m", task: "t" });
    await store.close();
    const raw = rawDb(file);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
    const again = createSqliteStore({ filename: file });
    expect(await again.get(session.id)).toEqual(session);
    await again.close();
  });

  it("a store handed a database never closes it, and leaves it usable after close()", async () => {
    const db = new Database(dbFile(tempDir()));
    const store = createSqliteStore({ database: db });
    const { session } = await store.create({ mode: "m", task: "t" });
    await store.close();
    expect(db.open).toBe(true);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sessions").get()).toEqual({ n: 1 });
    await expect(store.get(session.id)).rejects.toMatchObject({ code: "ERR_STORE_CLOSED" });
    db.close();
  });

  it("a store can work inside a transaction the caller opened on a handed database (it uses a savepoint)", async () => {
    const db = new Database(dbFile(tempDir()));
    const store = createSqliteStore({ database: db }).sync();
    db.exec("BEGIN");
    const { session } = store.create({ mode: "m", task: "t" });
    store.commit(session.id, { events: [{ type: "x" }] });
    db.exec("ROLLBACK");
    expect(store.get(session.id)).toBeNull();
    db.close();
  });

  it("a file database claims every capability; an in-memory one claims no persistence or sharing", async () => {
    const file = createSqliteStore({ filename: dbFile(tempDir()) });
    expect(file.capabilities).toEqual(sqliteStoreCapabilities);
    const memory = createSqliteStore({ filename: ":memory:" });
    expect(memory.capabilities).toMatchObject({
      persistent: false,
      multiHandle: false,
      multiProcess: false,
      crashSafe: false,
      sync: true,
    });
    const { session } = memory.sync().create({ mode: "m", task: "t" });
    expect(memory.sync().get(session.id)?.id).toBe(session.id);
    await file.close();
    await memory.close();
  });

  it("timestamps come from the injected clock in core's ISO format", async () => {
    const clock = createManualClock(Date.parse("2026-11-24T10:00:00.000Z"));
    const store = createSqliteStore({ filename: ":memory:", clock });
    const { session } = await store.create({ mode: "m", task: "t" });
    clock.advance(1);
    const { session: next, events } = await store.commit(session.id, { events: [{ type: "x" }] });
    expect([session.createdAt, next.updatedAt, events[0]?.timestamp]).toEqual([
      "2026-11-24T10:00:00.000Z",
      "2026-11-24T10:00:00.001Z",
      "2026-11-24T10:00:00.001Z",
    ]);
    await store.close();
  });

  it("bad options are refused with ERR_INVALID_INPUT naming the option, before anything is opened", () => {
    const dir = tempDir();
    for (const bad of [
      {},
      { filename: "" },
      { filename: join(dir, "a.db"), busyTimeoutMs: -1 },
      { filename: join(dir, "a.db"), synchronous: "off" },
      { filename: join(dir, "a.db"), database: {} },
      { database: { prepare: 1 } },
      { filename: join(dir, "a.db"), clock: Date },
      null,
    ]) {
      expect(codeOf(() => createSqliteStore(bad as never))).toBe("ERR_INVALID_INPUT");
    }
    expect(existsSync(join(dir, "a.db"))).toBe(false);
  });

  it("a file in a missing directory fails with ERR_STORE_IO naming the file", () => {
    const file = join(tempDir(), "missing", "x.db");
    let error: unknown;
    try {
      createSqliteStore({ filename: file });
    } catch (caught) {
      error = caught;
    }
    expect(isSessionKitError(error, "ERR_STORE_IO")).toBe(true);
    expect((error as Error).message).toContain("missing");
  });

  it("a file that is not a database fails with ERR_STORE_IO, not a raw SqliteError", async () => {
    const dir = tempDir();
    const file = join(dir, "not.db");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(file, "this is not a database, just text that is long enough to hold a header ".repeat(20));
    expect(codeOf(() => createSqliteStore({ filename: file }))).toBe("ERR_STORE_IO");
  });

  it("synchronous 'full' is applied to the connection; 'normal' is the default", async () => {
    const db = new Database(dbFile(tempDir()));
    const store = createSqliteStore({ database: db, synchronous: "full" });
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    await store.close();
    createSqliteStore({ database: db });
    expect(db.pragma("synchronous", { simple: true })).toBe(1);
    expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
    db.close();
  });

  it("the schema version is recorded in the database", async () => {
    const file = dbFile(tempDir());
    await createSqliteStore({ filename: file }).close();
    const raw = rawDb(file);
    const rows = raw.prepare("SELECT version FROM sessionkit_migrations ORDER BY version").all() as Array<{
      version: number;
    }>;
    expect(rows.map((row) => row.version)).toEqual(
      Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1),
    );
    raw.close();
  });

  it("events live in their own table keyed by (session, seq); get() reads no history", async () => {
    const file = dbFile(tempDir());
    const store = createSqliteStore({ filename: file });
    const { session } = await store.create(
      { mode: "m", task: "t" },
      { events: [{ type: "a" }, { type: "b", data: { x: 1 } }] },
    );
    const raw = rawDb(file);
    expect(raw.prepare("SELECT session_id, seq, type, data FROM events ORDER BY seq").all()).toEqual([
      { session_id: session.id, seq: 1, type: "a", data: "{}" },
      { session_id: session.id, seq: 2, type: "b", data: '{"x":1}' },
    ]);
    // Damage the history: a get() that never reads it still works; reading it fails closed.
    raw.prepare("UPDATE events SET data = 'nope' WHERE seq = 2").run();
    raw.close();
    expect((await store.get(session.id))?.eventCount).toBe(2);
    await expect(store.readEvents(session.id)).rejects.toMatchObject({ code: "ERR_CORRUPT_RECORD" });
    await store.close();
  });
});
