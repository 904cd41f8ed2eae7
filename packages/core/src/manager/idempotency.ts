import { createHash } from "node:crypto";
import { canonicalJson } from "../canonical-json.js";
import { describeValue, SessionKitError } from "../errors.js";
import type { OperationRecord, Session } from "../model.js";
import { OPERATION_RESULT_RETENTION, START_OPERATION } from "../operation-results.js";
import { COMPONENT } from "./schemas.js";

export { OPERATION_ID_RETENTION, START_OPERATION } from "../operation-results.js";

/** Operation ids are short identifiers, like event types. */
export const OPERATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** The entry of `map` under `key`, never an inherited one (`toString`, `constructor` are valid ids). */
export function ownEntry<T>(map: Record<string, T> | undefined, key: string): T | undefined {
  return map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}

/** A digest of a request (the call and its parsed arguments); only this is stored, never the payload. */
export function requestDigest(call: string, args: unknown): string {
  return createHash("sha256")
    .update(call)
    .update("\0")
    .update(canonicalJson(args))
    .digest("hex")
    .slice(0, 32);
}

/** A digest of any JSON value, equal for equal values whatever their key order. */
export function canonicalDigest(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 32);
}

/** ERR_INVALID_INPUT unless `operationId` is a valid id (or absent). */
export function assertOperationId(operationId: unknown): void {
  if (operationId === undefined) return;
  if (typeof operationId !== "string" || !OPERATION_ID_PATTERN.test(operationId)) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[${COMPONENT}] Expected \`operationId\` to match ${OPERATION_ID_PATTERN}, got ${describeValue(operationId)}. Pass a short id that names this request (letters, digits, _ . : -).`,
      { details: { field: "operationId" } },
    );
  }
}

/**
 * What an earlier commit of `operationId` says about this request: "new" when the id is unknown,
 * its record when the same request was committed (a replay), or an ERR_IDEMPOTENCY_CONFLICT when
 * the id was used for a different request.
 */
export function priorOperation(
  session: Session,
  operationId: string,
  digest: string,
): "new" | OperationRecord | SessionKitError {
  const record = ownEntry(session.operations, operationId);
  if (record === undefined) return "new";
  if (record.digest === digest) return record;
  return new SessionKitError(
    "ERR_IDEMPOTENCY_CONFLICT",
    `[${COMPONENT}] Operation id ${describeValue(operationId)} was already used on session ${describeValue(session.id)} for a different request (committed at version ${record.version}). Nothing was changed; use a new operation id for a new request.`,
    { details: { id: session.id, operationId, version: record.version } },
  );
}

/**
 * What a replay of `record` returns: the first result when it is kept (with the session's current
 * `operations`), else the session itself while it is still at the version the first commit made,
 * else ERR_OPERATION_REPLAYED (the first result is no longer kept; nothing is committed again).
 */
export function replayedResult(
  session: Session,
  operationId: string,
  record: OperationRecord,
): Session | SessionKitError {
  if (record.result !== undefined) {
    const first = { ...record.result } as Session;
    if (session.operations !== undefined) first.operations = session.operations;
    return first;
  }
  if (session.version === record.version) return session;
  return new SessionKitError(
    "ERR_OPERATION_REPLAYED",
    `[${COMPONENT}] Operation ${describeValue(operationId)} on session ${describeValue(session.id)} was already committed at version ${record.version}; the session is now at version ${session.version} and the result of that commit is no longer kept (results are kept for the last ${OPERATION_RESULT_RETENTION} operations, up to 16 KiB each). Nothing was changed; read the session to see its state.`,
    { details: { id: session.id, operationId, version: record.version } },
  );
}

/**
 * start() with a caller-given id that is taken: the session itself when it was created by the
 * same request (an idempotent replay), ERR_IDEMPOTENCY_CONFLICT when by another one, and the
 * store's ERR_SESSION_EXISTS when it was not created by a manager's start.
 */
export function replayStart(exists: unknown, session: Session | null, digest: string): Session {
  const prior = session === null ? "new" : priorOperation(session, START_OPERATION, digest);
  if (prior instanceof SessionKitError) throw prior;
  // The id is the session: a restarted worker's start finds it as it is now (see the README).
  if (prior !== "new") return session!;
  throw exists;
}
