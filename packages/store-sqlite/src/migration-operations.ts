import type { SqliteDatabase } from "./database.js";

/**
 * Schema 11: operation ids move out of the JSON record into `session_operations`, one row per id.
 * An idempotent append used to rewrite and re-parse the record with its map of up to 128 entries
 * and 8 kept results (4.70x a plain append in the quiet full bench); now it writes one row.
 * WITHOUT ROWID keyed (session_id, operation_id): the replay check is one primary-key lookup and
 * the row lives in the key's b-tree, with no second index to keep (each index is a page written
 * per append). No index on version: the trims (every 64 commits) and a replay's age check scan one
 * session's rows, at most 128 + 64 of them.
 */
export function moveOperationsApart(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE session_operations (
      session_id TEXT NOT NULL,
      operation_id TEXT NOT NULL,
      digest TEXT NOT NULL,
      version INTEGER NOT NULL,
      result TEXT,
      PRIMARY KEY (session_id, operation_id)
    ) STRICT, WITHOUT ROWID;
  `);
  const rows = db
    .prepare(
      "SELECT id, record FROM sessions WHERE json_valid(record) AND json_type(record, '$.operations') = 'object'",
    )
    .all() as Array<{ id: string; record: string }>;
  const insert = db.prepare(
    "INSERT INTO session_operations (session_id, operation_id, digest, version, result) VALUES (?, ?, ?, ?, ?)",
  );
  // The record text is rewritten by the same rules every commit writes it with (JSON.stringify),
  // so no string (NUL, lone surrogates) changes on the way; its version is kept, so no change-log
  // row is written for it.
  const update = db.prepare("UPDATE sessions SET record = ? WHERE id = ?");
  for (const { id, record } of rows) {
    const { operations, ...rest } = JSON.parse(record) as { operations: Record<string, unknown> };
    const entries = Object.entries(operations);
    // A damaged map stays where it is: the record then reads as corrupt, exactly as before.
    if (!entries.every(([, entry]) => isEntry(entry))) continue;
    for (const [operationId, entry] of entries) {
      const { digest, version, result } = entry as { digest: string; version: number; result?: unknown };
      insert.run(id, operationId, digest, version, result === undefined ? null : JSON.stringify(result));
    }
    update.run(JSON.stringify(rest), id);
  }
}

function isEntry(entry: unknown): boolean {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return false;
  const { digest, version, result } = entry as Record<string, unknown>;
  return (
    typeof digest === "string" &&
    Number.isSafeInteger(version) &&
    (result === undefined || (result !== null && typeof result === "object" && !Array.isArray(result)))
  );
}
