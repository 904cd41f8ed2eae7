import { createManualClock, createSessionManager, OPERATION_ID_RETENTION } from "@sessionkit/core";
import { RECORD_SCHEMA_VERSION } from "@sessionkit/core/driver";
import { createSqliteStore, migrate } from "@sessionkit/store-sqlite";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { dbFile, rawDb, tempDir } from "./helpers.js";

const at = "2026-01-01T00:00:00.000Z";

/** The rows of session_operations and the record text of `id`, read behind the store's back. */
function stored(file: string, id: string) {
  const raw = rawDb(file);
  const rows = raw
    .prepare("SELECT operation_id, digest, version, result FROM session_operations WHERE session_id = ?")
    .all(id) as Array<{ operation_id: string; version: number; result: string | null }>;
  const { record } = raw.prepare("SELECT record FROM sessions WHERE id = ?").get(id) as { record: string };
  raw.close();
  return { rows, record: JSON.parse(record) as Record<string, unknown> };
}

describe("store-sqlite operation ids (session_operations, schema 11)", () => {
  it("migration 11 moves an in-record operations map into rows: get() returns the same map, the record no longer holds it, a damaged map stays put", async () => {
    const file = dbFile(tempDir());
    const old = new Database(file);
    migrate(old, 10);
    const base = { mode: "m", task: "t", status: "active", createdAt: at, updatedAt: at };
    const counters = { iterations: 0, maxIterations: 100, context: { "\u0000": "\ud800" }, eventCount: 0 };
    const result = { id: "session_ops", ...base, ...counters, version: 2 };
    const operations = {
      start: { digest: "d0", version: 1 },
      "op-1": { digest: "d1", version: 2, result },
    };
    const insert = old.prepare(
      "INSERT INTO sessions (id, user_id, channel_id, mode, status, created_at, updated_at, updated_minute, iterations, event_count, record, version) VALUES (?, NULL, NULL, '\"m\"', 'active', ?, ?, ?, 0, 0, ?, 2)",
    );
    const record = (id: string, map: unknown) =>
      JSON.stringify({
        schemaVersion: RECORD_SCHEMA_VERSION,
        id,
        ...base,
        ...counters,
        version: 2,
        operations: map,
      });
    insert.run("session_ops", at, at, at.slice(0, 16), record("session_ops", operations));
    insert.run("session_bad", at, at, at.slice(0, 16), record("session_bad", { x: { digest: 1 } }));
    old.close();

    const store = createSqliteStore({ filename: file });
    const session = await store.get("session_ops");
    expect(session?.operations).toEqual(operations);
    expect(session?.context).toEqual(counters.context);
    expect((await store.get("session_ops", { operationId: "op-1" }))?.operations).toEqual({
      "op-1": operations["op-1"],
    });
    expect((await store.get("session_ops", {}))?.operations).toBeUndefined();
    await expect(store.get("session_bad")).rejects.toMatchObject({ code: "ERR_CORRUPT_RECORD" });
    await store.close();
    const { rows, record: text } = stored(file, "session_ops");
    expect(rows.map((row) => row.operation_id).sort()).toEqual(["op-1", "start"]);
    expect(text.operations).toBeUndefined();
    expect(stored(file, "session_bad").record.operations).toEqual({ x: { digest: 1 } });
  });

  it("an idempotent append writes one row and leaves the record text as it was; 300 ids later the table holds at most 128 + 64 rows besides start, get() answers the newest 128 with 8 results, and delete removes them", async () => {
    const file = dbFile(tempDir());
    const store = createSqliteStore({ filename: file, clock: createManualClock(at) });
    const manager = createSessionManager({ store, clock: store.clock });
    const { id } = await manager.start({ id: "session_many", task: "t", mode: "m" });
    const before = stored(file, id).record;
    await manager.addEvent(id, "step", {}, { operationId: "op-0" });
    const once = stored(file, id);
    expect(once.record).toEqual(before);
    expect(once.rows.map((row) => row.operation_id).sort()).toEqual(["op-0", "start"]);
    for (let n = 1; n < 300; n++) await manager.addEvent(id, "step", { n }, { operationId: `op-${n}` });
    const { rows } = stored(file, id);
    expect(rows.length - 1).toBeLessThanOrEqual(OPERATION_ID_RETENTION + 64);
    const map = (await store.get(id))!.operations!;
    const ids = Object.keys(map).filter((key) => key !== "start");
    expect(ids.length).toBe(OPERATION_ID_RETENTION);
    expect(Math.min(...ids.map((key) => Number(key.slice(3))))).toBe(300 - OPERATION_ID_RETENTION);
    expect(ids.filter((key) => map[key]!.result !== undefined).sort()).toEqual(
      Array.from({ length: 8 }, (_, k) => `op-${292 + k}`).sort(),
    );
    // An id past the retention is a new request again, as on every store.
    const again = await manager.addEvent(id, "step", { n: 0 }, { operationId: "op-0" });
    expect(again.eventCount).toBe(302);
    await manager.delete(id);
    const raw = rawDb(file);
    expect(raw.prepare("SELECT count(*) AS n FROM session_operations").get()).toEqual({ n: 0 });
    raw.close();
    await manager.close();
    await store.close();
  });
});
