import type { z as Z } from "zod";
import { describeValue, SessionKitError } from "./errors.js";
import { SESSION_ID_PATTERN } from "./ids.js";
import { readInstant } from "./instants.js";
import { type JsonValue, measureJsonObject, toJsonObject } from "./json.js";
import {
  EVENT_TYPE_PATTERN,
  INPUT_ACTIONS,
  INPUT_KINDS,
  type OperationRecord,
  SESSION_STATUSES,
} from "./model.js";
import { isOperationMap } from "./records.js";
import { lazy, zod } from "./zod-lazy.js";

/** Builds core's write schemas; see `schemas`. */
function buildSchemas() {
  const z = zod();

  /** An instant (Date, epoch ms, or ISO-8601 text with an offset), normalised to UTC with milliseconds. */
  const isoInstantSchema = z.union([z.string(), z.date(), z.number()]).transform((value, ctx) => {
    const reading = readInstant(value);
    if (reading.ok) return reading.iso;
    ctx.addIssue({ code: "custom", message: `expected ${reading.reason}` });
    return z.NEVER;
  });

  /** A JSON object parameter, copied (see toJsonObject); a bad value is an issue naming `path`. */
  const json = (path: string) =>
    z.unknown().transform((value, ctx) => jsonIssue(ctx, () => toJsonObject(value, path)));

  /** Like json(), but also yields the copy's size bound (see measureJsonObject). */
  const measuredJson = (path: string) =>
    z.unknown().transform((value, ctx) => jsonIssue(ctx, () => measureJsonObject(value, path)));

  function jsonIssue<T>(ctx: Z.RefinementCtx, convert: () => T): T {
    try {
      return convert();
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message.replace(/^\[[^\]]+\] /, "") });
      return z.NEVER;
    }
  }

  const pauseSchema = z.strictObject({ at: isoInstantSchema, reason: z.string().optional() });
  const ownerSchema = z.strictObject({
    id: z.string().min(1).max(200),
    host: z.string().max(255),
    pid: z.number().int(),
    startedAt: isoInstantSchema,
    generation: z.number().int().min(1),
  });
  // Checked by hand, not by a zod record: up to 128 entries ride along every idempotent commit (see records.ts).
  const operationsSchema = z.custom<Record<string, OperationRecord>>(
    isOperationMap,
    "expected a map of operation id → { digest, version, result? }",
  );
  const statusSchema = z.enum(SESSION_STATUSES);
  /** Any JSON value (the manager checked it is plain JSON before it reached the store). */
  const anyJsonValue = z.custom<JsonValue>((value) => value !== undefined);
  const inputRequestSchema = z.strictObject({
    requestId: z.string().min(1).max(200),
    kind: z.enum(INPUT_KINDS),
    prompt: z.string(),
    payload: anyJsonValue.optional(),
    allowed: z.array(z.enum(INPUT_ACTIONS)).min(1).optional(),
    expiresAt: isoInstantSchema.optional(),
    tags: z.array(z.string().min(1).max(200)).max(50).optional(),
    requestedAt: isoInstantSchema,
  });
  const inputAnswerSchema = z.strictObject({
    action: z.enum(INPUT_ACTIONS),
    value: anyJsonValue.optional(),
    by: z.string().optional(),
    at: isoInstantSchema,
    version: z.number().int().min(1),
    outcome: z.enum(["answered", "expired"]),
  });
  /** Open requests, resolved ones, and a legal hold: the inbox and retention fields of a session. */
  const inboxFields = {
    inputRequests: z.array(inputRequestSchema).max(1000).optional(),
    inputAnswers: z.record(z.string().min(1).max(200), inputAnswerSchema).optional(),
    hold: z.strictObject({ reason: z.string(), by: z.string().optional(), at: isoInstantSchema }).optional(),
  };
  const optionalText = z.string().nullable().optional();

  /** Input of store.create(). */
  const createSessionInputSchema = z.strictObject({
    id: z.string().regex(SESSION_ID_PATTERN).optional(),
    mode: z.string(),
    task: z.string(),
    userId: z.string().optional(),
    channelId: z.string().optional(),
    workspace: z.string().optional(),
    status: statusSchema.optional(),
    iterations: z.number().int().min(0).optional(),
    maxIterations: z.number().int().min(1).optional(),
    deadlineAt: isoInstantSchema.optional(),
    expiresAt: isoInstantSchema.optional(),
    context: json("context").optional(),
    metadata: json("metadata").optional(),
    result: z.string().optional(),
    error: z.string().optional(),
    pause: pauseSchema.optional(),
    endedAt: isoInstantSchema.optional(),
    owner: ownerSchema.optional(),
    leaseUntil: isoInstantSchema.optional(),
    operations: operationsSchema.optional(),
    ...inboxFields,
  });

  /** A state patch. */
  const sessionPatchSchema = z.strictObject({
    status: statusSchema.optional(),
    iterations: z.number().int().min(0).optional(),
    maxIterations: z.number().int().min(1).optional(),
    mode: z.string().optional(),
    task: z.string().optional(),
    userId: optionalText,
    channelId: optionalText,
    workspace: optionalText,
    deadlineAt: isoInstantSchema.nullable().optional(),
    expiresAt: isoInstantSchema.nullable().optional(),
    context: json("patch.context").optional(),
    metadata: json("patch.metadata").nullable().optional(),
    result: optionalText,
    error: optionalText,
    pause: pauseSchema.nullable().optional(),
    endedAt: isoInstantSchema.nullable().optional(),
    owner: ownerSchema.nullable().optional(),
    leaseUntil: isoInstantSchema.nullable().optional(),
    operations: operationsSchema.nullable().optional(),
    inputRequests: inboxFields.inputRequests.unwrap().nullable().optional(),
    inputAnswers: inboxFields.inputAnswers.unwrap().nullable().optional(),
    hold: inboxFields.hold.unwrap().nullable().optional(),
  });

  /**
   * A new event. `dataBound` bounds the JSON size of `data` (2 for the default `{}`), so the size
   * check serialises only events that could reach the limit.
   */
  const newEventSchema = z
    .strictObject({
      type: z.string().regex(EVENT_TYPE_PATTERN, "expected an event type matching " + EVENT_TYPE_PATTERN),
      data: measuredJson("event.data").optional(),
    })
    .transform(({ type, data }) => ({ type, data: data?.value ?? {}, dataBound: data?.bound ?? 2 }));

  /** Input of store.commit(). */
  const commitInputSchema = z.strictObject({
    expectedVersion: z.number().int().min(1).optional(),
    patch: sessionPatchSchema.optional(),
    events: z.array(newEventSchema).max(10_000).optional(),
    operation: z
      .strictObject({ id: z.string().min(1).max(200), digest: z.string().min(1).max(200) })
      .optional(),
  });

  /** Input of store.prune(). */
  const pruneInputSchema = z.strictObject({
    olderThan: isoInstantSchema,
    statuses: z.array(statusSchema).min(1).optional(),
    dryRun: z.boolean().optional(),
  });

  /** A session as exported (importSession's first argument). */
  const importedSessionSchema = z.strictObject({
    id: z.string().regex(SESSION_ID_PATTERN),
    userId: z.string().optional(),
    channelId: z.string().optional(),
    mode: z.string(),
    task: z.string(),
    workspace: z.string().optional(),
    status: statusSchema,
    createdAt: isoInstantSchema,
    updatedAt: isoInstantSchema,
    endedAt: isoInstantSchema.optional(),
    iterations: z.number().int().min(0),
    maxIterations: z.number().int().min(1),
    deadlineAt: isoInstantSchema.optional(),
    expiresAt: isoInstantSchema.optional(),
    context: json("context"),
    result: z.string().optional(),
    error: z.string().optional(),
    pause: pauseSchema.optional(),
    metadata: json("metadata").optional(),
    owner: ownerSchema.optional(),
    leaseUntil: isoInstantSchema.optional(),
    operations: operationsSchema.optional(),
    ...inboxFields,
    version: z.number().int().min(1),
    eventCount: z.number().int().min(0),
  });

  /** An event as exported; `dataBound` as for newEventSchema. */
  const importedEventSchema = z
    .strictObject({
      seq: z.number().int().min(1),
      timestamp: isoInstantSchema,
      type: z.string().regex(EVENT_TYPE_PATTERN),
      data: measuredJson("event.data"),
    })
    .transform(({ seq, timestamp, type, data }) => ({
      event: { seq, timestamp, type, data: data.value },
      dataBound: data.bound,
    }));

  return {
    isoInstant: isoInstantSchema,
    createSessionInput: createSessionInputSchema,
    sessionPatch: sessionPatchSchema,
    newEvent: newEventSchema,
    commitInput: commitInputSchema,
    pruneInput: pruneInputSchema,
    importedSession: importedSessionSchema,
    importedEvent: importedEventSchema,
  };
}

/**
 * core's input schemas (create, commit, ranges, prune, import), built with zod on the first call
 * (zod-lazy.ts): a process that only reads never loads zod.
 */
export const schemas = lazy(buildSchemas);

/** The built schemas, by name. */
export type Schemas = ReturnType<typeof buildSchemas>;

/**
 * Parses `value` with `schema`; on failure throws ERR_INVALID_INPUT naming the first bad field,
 * the value found there and the fix.
 */
export function parseInput<S extends Z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  component: string,
): Z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.length > 0 ? `${what}.${issue.path.join(".")}` : what;
  let found: unknown = value;
  for (const key of issue.path)
    found = (found as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey];
  const id = path.endsWith(".id") ? "ERR_INVALID_ID" : "ERR_INVALID_INPUT";
  if (issue.message.startsWith("Expected `")) {
    throw new SessionKitError(id, `[${component}] ${issue.message}`, { details: { path } });
  }
  throw new SessionKitError(
    id,
    `[${component}] Expected \`${path}\` to be valid (${issue.message}), got ${describeValue(found)}. Fix the value and retry.`,
    { details: { path } },
  );
}
