import {
  type CommitPlanOperation,
  errors,
  OPERATION_ID_RETENTION,
  OPERATION_RESULT_RETENTION,
  type OperationRecord,
  parseStoredJson,
  retainedEntry,
  START_OPERATION,
  trimOperations,
} from "@sessionkit/core/driver";
import type { SqliteStatement } from "./database.js";
import { STORE_NAME as name } from "./errors.js";

/**
 * Commits between two trims of a session's operation rows. A trim per idempotent append was a
 * second statement on every commit; once per 64 versions it is one range delete over at most
 * 128 + 64 rows, and the rows between two trims are answered by retainedEntry() as if trimmed.
 */
export const OPERATION_TRIM_EVERY = 64;

/** One row of session_operations as read. */
interface OperationRow {
  operation_id: string;
  digest: string;
  version: number;
  result: string | null;
}

/** The operation entry joined onto a session row by getForOperation (all null when there is none). */
export interface JoinedOperation {
  op_digest: string | null;
  op_version: number | null;
  op_result: string | null;
}

/** The session_operations side table (migration 11), written in the commit's own transaction. */
export interface OperationRows {
  /** The session's whole map as trimOperations keeps it; undefined when it has none. */
  readAll(id: string): Record<string, OperationRecord> | undefined;
  /** The entry joined onto a session row, as retainedEntry says it is still answered. */
  answered(id: string, operationId: string, row: JoinedOperation): OperationRecord | undefined;
  /** Stores the entry a commit records (a forgotten row under the same id is replaced). */
  record(id: string, operation: CommitPlanOperation): void;
  /** Replaces every entry of the session (a patch or an import set the whole map). */
  replace(id: string, map: Record<string, OperationRecord> | undefined): void;
  /** Removes the session's entries (with the session). */
  remove(id: string): void;
  /** Every OPERATION_TRIM_EVERY versions: drops the rows and results the retention no longer answers. */
  trimAt(id: string, version: number): void;
}

export function createOperationRows(prepared: (sql: string) => SqliteStatement): OperationRows {
  const UPSERT =
    "INSERT INTO session_operations (session_id, operation_id, digest, version, result) VALUES (?, ?, ?, ?, ?) " +
    "ON CONFLICT (session_id, operation_id) DO UPDATE SET digest = excluded.digest, version = excluded.version, result = excluded.result";
  const SELECT_ALL =
    "SELECT operation_id, digest, version, result FROM session_operations WHERE session_id = ?";
  const NEWER = `SELECT count(*) AS ids, count(result) AS results FROM session_operations WHERE session_id = ? AND version > ? AND operation_id <> '${START_OPERATION}'`;
  // The version of the Nth newest entry besides start: everything older is no longer answered.
  const nth = (where: string, offset: number) =>
    `(SELECT version FROM session_operations WHERE session_id = ? AND operation_id <> '${START_OPERATION}'${where} ORDER BY version DESC LIMIT 1 OFFSET ${offset})`;
  const TRIM_IDS = `DELETE FROM session_operations WHERE session_id = ? AND operation_id <> '${START_OPERATION}' AND version < ${nth("", OPERATION_ID_RETENTION - 1)}`;
  const TRIM_RESULTS = `UPDATE session_operations SET result = NULL WHERE session_id = ? AND result IS NOT NULL AND operation_id <> '${START_OPERATION}' AND version < ${nth(" AND result IS NOT NULL", OPERATION_RESULT_RETENTION - 1)}`;

  function entryOf(id: string, digest: string, version: number, result: string | null): OperationRecord {
    if (result === null) return { digest, version };
    const parsed = parseStoredJson(result, id, name, "a stored operation result");
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      throw errors.corrupt(name, id, "a stored operation result is not a JSON object");
    return { digest, version, result: parsed as OperationRecord["result"] & object };
  }

  function insert(id: string, operationId: string, record: OperationRecord, resultText?: string): void {
    const result = record.result === undefined ? null : (resultText ?? JSON.stringify(record.result));
    prepared(UPSERT).run(id, operationId, record.digest, record.version, result);
  }

  return {
    readAll(id) {
      const rows = prepared(SELECT_ALL).all(id) as OperationRow[];
      if (rows.length === 0) return undefined;
      const map: Record<string, OperationRecord> = {};
      for (const row of rows) map[row.operation_id] = entryOf(id, row.digest, row.version, row.result);
      trimOperations(map);
      return map;
    },

    answered(id, operationId, row) {
      if (row.op_digest === null || row.op_version === null) return undefined;
      const entry = entryOf(id, row.op_digest, row.op_version, row.op_result);
      // Only a replay gets here: the count of newer rows is a second read on the rare path.
      const newer = prepared(NEWER).get(id, row.op_version) as { ids: number; results: number };
      return retainedEntry(entry, operationId, newer);
    },

    record(id, operation) {
      insert(id, operation.id, operation.record, operation.resultText);
    },

    replace(id, map) {
      prepared("DELETE FROM session_operations WHERE session_id = ?").run(id);
      if (map === undefined) return;
      for (const [operationId, record] of Object.entries(map)) insert(id, operationId, record);
    },

    remove(id) {
      prepared("DELETE FROM session_operations WHERE session_id = ?").run(id);
    },

    trimAt(id, version) {
      if (version % OPERATION_TRIM_EVERY !== 0) return;
      prepared(TRIM_IDS).run(id, id);
      prepared(TRIM_RESULTS).run(id, id);
    },
  };
}
