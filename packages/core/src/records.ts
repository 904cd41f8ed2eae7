import { z } from "zod";
import { errors, SessionKitError } from "./errors.js";
import { SESSION_ID_PATTERN } from "./ids.js";
import type { JsonObject } from "./json.js";
import { type OperationRecord, SESSION_STATUSES, type Session, type SessionEvent } from "./model.js";

/**
 * The record schema version this release writes. History:
 * - 1: the seed module's `session.json` (no `schemaVersion`, history inside, pause details in `context`).
 * - 2: sessionkit: `version`, `eventCount`, `endedAt`, `pause`, history stored apart.
 */
export const RECORD_SCHEMA_VERSION = 2;

const isoTimestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), "an ISO-8601 timestamp");
const jsonObject = z.record(z.string(), z.unknown()) as unknown as z.ZodType<JsonObject>;

const pauseSchema = z.object({ at: isoTimestamp, reason: z.string().optional() });

/** The fields both record versions (the seed's and sessionkit's) store alike. */
const sessionHeadFields = {
  userId: z.string().optional(),
  channelId: z.string().optional(),
  mode: z.string(),
  task: z.string(),
  workspace: z.string().optional(),
  status: z.enum(SESSION_STATUSES),
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
};

/** Zod schema of a stored session record (schema version 2). */
export const storedSessionSchema = z.object({
  schemaVersion: z.literal(RECORD_SCHEMA_VERSION),
  id: z.string().regex(SESSION_ID_PATTERN),
  ...sessionHeadFields,
  endedAt: isoTimestamp.optional(),
  iterations: z.number().int().min(0),
  maxIterations: z.number().int().min(1),
  deadlineAt: isoTimestamp.optional(),
  expiresAt: isoTimestamp.optional(),
  context: jsonObject,
  result: z.string().optional(),
  error: z.string().optional(),
  pause: pauseSchema.optional(),
  metadata: jsonObject.optional(),
  owner: z
    .object({
      id: z.string(),
      host: z.string(),
      pid: z.number().int(),
      startedAt: isoTimestamp,
      generation: z.number().int().min(1),
    })
    .optional(),
  leaseUntil: isoTimestamp.optional(),
  operations: z
    .custom<Record<string, OperationRecord>>(
      isOperationMap,
      "a map of operation id → { digest, version, result? }",
    )
    .optional(),
  inputRequests: z
    .array(z.looseObject({ requestId: z.string(), kind: z.string(), prompt: z.string() }))
    .optional(),
  inputAnswers: z.record(z.string(), z.looseObject({ action: z.string(), at: isoTimestamp })).optional(),
  hold: z.object({ reason: z.string(), by: z.string().optional(), at: isoTimestamp }).optional(),
  version: z.number().int().min(1),
  eventCount: z.number().int().min(0),
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

/** Zod schema of a stored event. */
export const storedEventSchema = z.object({
  seq: z.number().int().min(1),
  timestamp: isoTimestamp,
  type: z.string().min(1),
  data: jsonObject,
});

/** The seed module's record (schema version 1), as it wrote `session.json`. */
export const seedSessionSchema = z.object({
  id: z.string(),
  ...sessionHeadFields,
  iterations: z.number(),
  maxIterations: z.number(),
  context: jsonObject,
  history: z.array(
    z.object({ timestamp: isoTimestamp, type: z.string(), data: jsonObject.optional().default({}) }),
  ),
  result: z.string().optional(),
  error: z.string().optional(),
  metadata: jsonObject.optional(),
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
  const parsed = storedSessionSchema.safeParse(raw);
  if (!parsed.success) throw errors.corrupt(component, id, firstIssue(parsed.error), parsed.error);
  if (parsed.data.id !== id) throw errors.corrupt(component, id, `the record holds id "${parsed.data.id}"`);
  const { schemaVersion: _ignored, ...session } = parsed.data;
  // zod rebuilds records by assignment, which turns an own "__proto__" key into a prototype; keep the parsed JSON.
  const source = raw as Record<string, unknown>;
  session.context = source.context as JsonObject;
  if (session.metadata !== undefined) session.metadata = source.metadata as JsonObject;
  // The same for the inbox: request payloads and answer values are the caller's JSON.
  if (session.inputRequests !== undefined) session.inputRequests = source.inputRequests as never;
  if (session.inputAnswers !== undefined) session.inputAnswers = source.inputAnswers as never;
  return { session: dropUndefined(session) as Session, schemaVersion: RECORD_SCHEMA_VERSION };
}

/** Upgrades a seed `session.json` (schema 1) to the current model. */
function decodeSeedRecord(raw: object, id: string, component: string): DecodedRecord {
  const parsed = seedSessionSchema.safeParse(raw);
  if (!parsed.success) throw errors.corrupt(component, id, firstIssue(parsed.error), parsed.error);
  const seed = parsed.data;
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
  const parsed = storedEventSchema.safeParse(raw);
  if (!parsed.success)
    throw errors.corrupt(component, id, `an event is malformed (${firstIssue(parsed.error)})`);
  return { ...parsed.data, data: (raw as { data: JsonObject }).data };
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "the record does not match the schema";
  return `field \`${issue.path.join(".") || "(root)"}\`: ${issue.message}`;
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}
