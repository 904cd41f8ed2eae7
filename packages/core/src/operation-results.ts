import type { OperationRecord, Session } from "./model.js";

/**
 * Results kept per session: those of the last 8 operations. A replay is a retry, seconds after the
 * first attempt, so a few are enough; each one kept is rewritten with the record on every commit.
 */
export const OPERATION_RESULT_RETENTION = 8;

/** The largest result kept, in bytes of JSON; a bigger session is replayed only while it is current. */
export const OPERATION_RESULT_MAX_BYTES = 16 * 1024;

/**
 * Keeps `next` (without its `operations`) as the result of its entry `operationId`, when that entry
 * is this commit's and the result fits in OPERATION_RESULT_MAX_BYTES and in `room` (the bytes the
 * record may still grow by under the store's limit). Called by the store's commit plan, where the
 * resulting session (its version, updatedAt, eventCount) is known.
 */
export function keepOperationResult(next: Session, operationId: string, room: number): void {
  const operations = next.operations;
  const entry =
    operations !== undefined && Object.hasOwn(operations, operationId) ? operations[operationId] : undefined;
  if (entry === undefined || entry.version !== next.version) return;
  const { operations: _own, ...result } = next;
  const bytes = Buffer.byteLength(JSON.stringify(result), "utf8");
  // + the key and punctuation of `"result":` inside the entry.
  if (bytes > OPERATION_RESULT_MAX_BYTES || bytes + 16 > room) return;
  const kept: OperationRecord = { ...entry, result };
  next.operations = { ...operations, [operationId]: kept };
}
