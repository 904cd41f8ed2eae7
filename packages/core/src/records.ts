import { errors, SessionKitError } from "./errors.js";
import { SESSION_ID_PATTERN } from "./ids.js";
import type { JsonObject } from "./json.js";
import { type OperationRecord, SESSION_STATUSES, type Session, type SessionEvent } from "./model.js";
import { checkShape, is, optional, type Shape, ShapeIssue, withDefault } from "./shape.js";

/**
 * The record schema version this release writes. History:
 * - 1: the seed module's `session.json` (no `schemaVersion`, history inside, pause details in `context`).
 * - 2: sessionkit: `version`, `eventCount`, `endedAt`, `pause`, history stored apart.
 */
export const RECORD_SCHEMA_VERSION = 2;

// Stored records are checked by hand (shape.ts), not by zod: decoding is every read's work, and a
// read-only process (the CLI's list, show, stats) then never loads zod.
const text = is.string();
const timestamp = is.timestamp();
const jsonObject = is.jsonObject() as Shape<JsonObject>;
const pause = is.object({ at: timestamp, reason: optional(text) });

/** The fields both record versions (the seed's and sessionkit's) store alike. */
const sessionHeadFields = {
  userId: optional(text),
  channelId: optional(text),
  mode: text,
  task: text,
  workspace: optional(text),
  status: is.oneOf(SESSION_STATUSES),
  createdAt: timestamp,
  updatedAt: timestamp,
};

/** A stored session record (schema version 2); unknown fields are dropped. */
const storedSession = is.object<Session>({
  id: is.string({ pattern: SESSION_ID_PATTERN }),
  ...sessionHeadFields,
  endedAt: optional(timestamp),
  iterations: is.int({ min: 0 }),
  maxIterations: is.int({ min: 1 }),
  deadlineAt: optional(timestamp),
  expiresAt: optional(timestamp),
  context: jsonObject,
  result: optional(text),
  error: optional(text),
  pause: optional(pause),
  metadata: optional(jsonObject),
  owner: optional(
    is.object({
      id: text,
      host: text,
      pid: is.int(),
      startedAt: timestamp,
      generation: is.int({ min: 1 }),
    }),
  ),
  leaseUntil: optional(timestamp),
  operations: optional(
    is.custom<Record<string, OperationRecord>>(
      isOperationMap,
      "a map of operation id → { digest, version, result? }",
    ),
  ),
  // Request payloads and answer values are the caller's JSON: checked where named, kept as stored.
  inputRequests: optional(is.array(is.object({ requestId: text, kind: text, prompt: text }, "loose"))),
  inputAnswers: optional(is.record(is.object({ action: text, at: timestamp }, "loose"))),
  hold: optional(is.object({ reason: text, by: optional(text), at: timestamp })),
  version: is.int({ min: 1 }),
  eventCount: is.int({ min: 0 }),
});

/**
 * The operations map checked by hand: it holds up to 128 entries and is decoded on every read of a
 * session, where a zod record schema took ~27× the time of the rest of the record (1.17 ms vs 43 µs
 * per decode of a 9 KiB record on the bench machine under load), which made an operationId append
 * cost several plain ones.
 */
export function isOperationMap(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  for (const [key, entry] of Object.entries(value)) {
    if (key.length === 0 || key.length > 200 || entry === null || typeof entry !== "object") return false;
    const { digest, version, result, ...rest } = entry as Record<string, unknown>;
    if (typeof digest !== "string" || digest.length === 0 || digest.length > 128) return false;
    if (!Number.isInteger(version) || (version as number) < 1 || Object.keys(rest).length > 0) return false;
    if (result !== undefined && (result === null || typeof result !== "object" || Array.isArray(result)))
      return false;
  }
  return true;
}

/** A stored event. */
const storedEvent = is.object<SessionEvent>({
  seq: is.int({ min: 1 }),
  timestamp,
  type: is.string({ min: 1 }),
  data: jsonObject,
});

/** The seed module's record (schema version 1), as it wrote `session.json`. */
const seedSession = is.object<{
  id: string;
  userId?: string;
  channelId?: string;
  mode: string;
  task: string;
  workspace?: string;
  status: Session["status"];
  createdAt: string;
  updatedAt: string;
  iterations: number;
  maxIterations: number;
  context: JsonObject;
  history: { timestamp: string; type: string; data: JsonObject }[];
  result?: string;
  error?: string;
  metadata?: JsonObject;
}>({
  id: text,
  ...sessionHeadFields,
  iterations: is.number(),
  maxIterations: is.number(),
  context: jsonObject,
  history: is.array(is.object({ timestamp, type: text, data: withDefault(jsonObject, {}) })),
  result: optional(text),
  error: optional(text),
  metadata: optional(jsonObject),
});

/** A decoded record: the session, plus the history when the record carried it inside (schema 1). */
export interface DecodedRecord {
  session: Session;
  /** Present only for seed (schema 1) records, whose history lives inside the record. */
  legacyHistory?: SessionEvent[];
  /** The schema version the record was written with. */
  schemaVersion: number;
}

/** Encodes a session for storage (adds `schemaVersion`). */
export function encodeRecord(session: Session): Session & { schemaVersion: number } {
  return { schemaVersion: RECORD_SCHEMA_VERSION, ...session };
}

/**
 * Decodes a stored record for `id`: validates it, upgrades older schema versions, refuses
 * unknown newer ones (ERR_UNSUPPORTED_RECORD_VERSION) and anything malformed or belonging to
 * another id (ERR_CORRUPT_RECORD). Never returns a half-parsed record.
 */
export function decodeRecord(raw: unknown, id: string, component = "sessionkit"): DecodedRecord {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw errors.corrupt(component, id, "the record is not a JSON object");
  }
  const schemaVersion = (raw as { schemaVersion?: unknown }).schemaVersion;
  if (schemaVersion === undefined) return decodeSeedRecord(raw, id, component);
  if (
    typeof schemaVersion === "number" &&
    Number.isInteger(schemaVersion) &&
    schemaVersion > RECORD_SCHEMA_VERSION
  ) {
    throw new SessionKitError(
      "ERR_UNSUPPORTED_RECORD_VERSION",
      `[${component}] Session "${id}" was written with record schema ${schemaVersion}, newer than ${RECORD_SCHEMA_VERSION} which this release reads. Upgrade sessionkit; the record was left untouched.`,
      { details: { id, schemaVersion, supported: RECORD_SCHEMA_VERSION } },
    );
  }
  if (schemaVersion !== RECORD_SCHEMA_VERSION) {
    throw errors.corrupt(component, id, `field \`schemaVersion\`: expected ${RECORD_SCHEMA_VERSION}`);
  }
  const session = checked(storedSession, raw, id, component);
  if (session.id !== id) throw errors.corrupt(component, id, `the record holds id "${session.id}"`);
  return { session, schemaVersion: RECORD_SCHEMA_VERSION };
}

/** Upgrades a seed `session.json` (schema 1) to the current model. */
function decodeSeedRecord(raw: object, id: string, component: string): DecodedRecord {
  const seed = checked(seedSession, raw, id, component);
  if (seed.id !== id) throw errors.corrupt(component, id, `the record holds id "${seed.id}"`);
  const context: JsonObject = { ...seed.context };
  let pause: Session["pause"];
  // The seed kept pause details in the user's context; move them to their own field.
  if (seed.status === "paused" && typeof context.pausedAt === "string") {
    pause = { at: context.pausedAt };
    if (typeof context.pauseReason === "string") pause.reason = context.pauseReason;
    delete context.pausedAt;
    delete context.pauseReason;
  }
  const history: SessionEvent[] = seed.history.map((event, index) => ({
    seq: index + 1,
    timestamp: new Date(event.timestamp).toISOString(),
    type: event.type,
    data: event.data,
  }));
  const terminal = seed.status === "completed" || seed.status === "failed" || seed.status === "timeout";
  const session: Session = dropUndefined({
    id: seed.id,
    userId: seed.userId,
    channelId: seed.channelId,
    mode: seed.mode,
    task: seed.task,
    workspace: seed.workspace,
    status: seed.status,
    createdAt: new Date(seed.createdAt).toISOString(),
    updatedAt: new Date(seed.updatedAt).toISOString(),
    endedAt: terminal ? new Date(seed.updatedAt).toISOString() : undefined,
    iterations: Math.max(0, Math.trunc(seed.iterations)),
    maxIterations: Math.max(1, Math.trunc(seed.maxIterations) || 100),
    context,
    result: seed.result,
    error: seed.error,
    pause,
    metadata: seed.metadata,
    version: 1,
    eventCount: history.length,
  }) as Session;
  return { session, legacyHistory: history, schemaVersion: 1 };
}

/** Validates a stored event of session `id`. */
export function decodeEvent(raw: unknown, id: string, component = "sessionkit"): SessionEvent {
  try {
    return checkShape(storedEvent, raw);
  } catch (error) {
    if (!(error instanceof ShapeIssue)) throw error;
    throw errors.corrupt(component, id, `an event is malformed (${issueText(error)})`);
  }
}

/** `shape(raw)`, or ERR_CORRUPT_RECORD naming the first field that does not fit. */
function checked<T>(shape: Shape<T>, raw: unknown, id: string, component: string): T {
  try {
    return checkShape(shape, raw);
  } catch (error) {
    if (!(error instanceof ShapeIssue)) throw error;
    throw errors.corrupt(component, id, issueText(error), error);
  }
}

function issueText(issue: ShapeIssue): string {
  return `field \`${issue.where || "(root)"}\`: ${issue.message}`;
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}
