import type { OperationRecord, Session } from "./model.js";

/**
 * Operation ids answered per session: the most recent 128 by version (the `start` entry is kept
 * for the session's life). A replay older than that is treated as a new request.
 */
export const OPERATION_ID_RETENTION = 128;

/**
 * Results kept per session: those of the last 8 operations. A replay is a retry, seconds after the
 * first attempt, so a few are enough.
 */
export const OPERATION_RESULT_RETENTION = 8;

/** The largest result kept, in bytes of JSON; a bigger session is replayed only while it is current. */
export const OPERATION_RESULT_MAX_BYTES = 16 * 1024;

/** The key of the creation request among a session's operations. */
export const START_OPERATION = "start";

/**
 * The session `next` as the result of an operation, with its JSON text, when it fits in
 * OPERATION_RESULT_MAX_BYTES and in `room` (the bytes its store row may still take); else undefined.
 */
export function resultOf(
  next: Session,
  room: number,
): { result: Omit<Session, "operations">; text: string } | undefined {
  const { operations: _own, ...result } = next;
  const text = JSON.stringify(result);
  const bytes = Buffer.byteLength(text, "utf8");
  // + the key and punctuation of `"result":` inside the entry.
  if (bytes > OPERATION_RESULT_MAX_BYTES || bytes + 16 > room) return undefined;
  return { result, text };
}

/**
 * Applies the retention to `map` in place (the caller owns it): the newest OPERATION_ID_RETENTION
 * ids besides `start` stay, and results stay on the newest OPERATION_RESULT_RETENTION entries that
 * have one; `reserve` (this commit's id, whose result is attached after the size check) counts as
 * one of those. Age is the version, not key order, which JSON stores (jsonb) do not keep. One pass
 * and no sort unless something must go: this runs on every idempotent commit.
 */
export function trimOperations(map: Record<string, OperationRecord>, reserve?: string): void {
  const ids = Object.keys(map).filter((id) => id !== START_OPERATION && id !== reserve);
  const slots = reserve === undefined ? OPERATION_RESULT_RETENTION : OPERATION_RESULT_RETENTION - 1;
  const room = reserve === undefined ? OPERATION_ID_RETENTION : OPERATION_ID_RETENTION - 1;
  let withResult = 0;
  for (const id of ids) if (map[id]!.result !== undefined) withResult++;
  const overflow = ids.length - room;
  if (overflow <= 0 && withResult <= slots) return;
  // The steady state of a full map: one id and one result too many. Two linear passes find them;
  // the sort below took a tenth of an idempotent memory commit (128 ids, every commit).
  if (overflow <= 1 && withResult <= slots + 1) {
    if (overflow === 1) {
      const oldest = oldestOf(map, ids, () => true);
      if (map[oldest]!.result !== undefined) withResult--;
      delete map[oldest];
    }
    if (withResult > slots) {
      const oldest = oldestOf(map, ids, (entry) => entry.result !== undefined);
      const entry = map[oldest]!;
      map[oldest] = { digest: entry.digest, version: entry.version };
    }
    return;
  }
  ids.sort((a, b) => map[b]!.version - map[a]!.version);
  let kept = 0;
  for (const [rank, id] of ids.entries()) {
    if (rank >= ids.length - overflow) {
      delete map[id];
      continue;
    }
    const entry = map[id]!;
    if (entry.result === undefined) continue;
    if (kept < slots) kept++;
    else map[id] = { digest: entry.digest, version: entry.version };
  }
}

/** The id of the lowest-version entry among `ids` still in `map` that passes `which`. */
function oldestOf(
  map: Record<string, OperationRecord>,
  ids: string[],
  which: (entry: OperationRecord) => boolean,
): string {
  let oldest = "";
  let version = Number.POSITIVE_INFINITY;
  for (const id of ids) {
    const entry = map[id];
    if (entry !== undefined && which(entry) && entry.version < version) {
      oldest = id;
      version = entry.version;
    }
  }
  return oldest;
}

/**
 * Whether the entry at `version` is still answered, and with its result, given how many of the
 * session's other entries (start aside) are newer and how many of those keep a result: the rule
 * trimOperations applies, for a store that reads one entry of a side table and trims it in batches.
 */
export function retainedEntry(
  record: OperationRecord,
  operationId: string,
  newer: { ids: number; results: number },
): OperationRecord | undefined {
  if (operationId === START_OPERATION) return record;
  if (newer.ids >= OPERATION_ID_RETENTION) return undefined;
  if (record.result !== undefined && newer.results >= OPERATION_RESULT_RETENTION)
    return { digest: record.digest, version: record.version };
  return record;
}

/** How a store's commit records an operation id (see recordOperation). */
export interface RecordingOptions {
  /** The driver keeps operation ids in a side table (it has getForOperation). */
  apart: boolean;
  /** The store's record limit in bytes. */
  maxBytes: number;
  /** Checks the size of the record `next` (ERR_PAYLOAD_TOO_LARGE) and returns its bytes. */
  measure: () => number;
  /** The patch set a field that can grow the record, so it must be measured anyway. */
  grows: boolean;
}

/**
 * Records `operation` for the commit that produces `next` (its version is set): for a driver with
 * a side table, as the entry it returns (the record is not touched); else into `next.operations`,
 * the map copied once, trimmed, measured, and then given this commit's result where it fits.
 */
export function recordOperation(
  next: Session,
  operation: { id: string; digest: string },
  options: RecordingOptions,
): { id: string; record: OperationRecord; resultText?: string } | undefined {
  const record: OperationRecord = { digest: operation.digest, version: next.version };
  if (options.apart) {
    if (options.grows) options.measure();
    // The side row is held to the store's limit like a record is.
    const kept = resultOf(next, options.maxBytes);
    if (kept === undefined) return { id: operation.id, record };
    record.result = kept.result;
    return { id: operation.id, record, resultText: kept.text };
  }
  const map = { ...next.operations, [operation.id]: record };
  trimOperations(map, operation.id);
  next.operations = map;
  const bytes = options.measure();
  // The entry is this commit's own object: attaching the result needs no second copy of the map.
  const kept = resultOf(next, options.maxBytes - bytes);
  if (kept !== undefined) record.result = kept.result;
  return undefined;
}
