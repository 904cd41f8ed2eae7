import type { z as Z } from "zod";
import { toJsonObject, toJsonValue } from "../json.js";
import { EVENT_TYPE_PATTERN, INPUT_ACTIONS, INPUT_KINDS } from "../model.js";
import { parseInput, schemas } from "../schemas.js";
import { webhookConfigSchema } from "../webhooks/options.js";
import { lazy, zod } from "../zod-lazy.js";

export const COMPONENT = "manager";

/** Builds the manager's input schemas with zod, on the first call that needs one (zod-lazy.ts). */
function buildManagerSchemas() {
  const z = zod();
  const isoInstantSchema = schemas().isoInstant;

  const jsonObject = (path: string) =>
    z.unknown().transform((value, ctx) => {
      try {
        return toJsonObject(value, path, COMPONENT);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message.replace(/^\[[^\]]+\] /, "") });
        return z.NEVER;
      }
    });

  const jsonValue = (path: string) =>
    z.unknown().transform((value, ctx) => {
      if (value === undefined) return undefined;
      try {
        return toJsonValue(value, path, COMPONENT);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message.replace(/^\[[^\]]+\] /, "") });
        return z.NEVER;
      }
    });

  const hasFunction = (name: string) => (value: unknown) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<string, unknown>)[name] === "function";

  const ownerIdSchema = z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/, "expected an owner id (letters, digits, _ . : @ -)");
  /** Leases from 100 ms to a day; heartbeats run every lease/3. */
  const leaseMsSchema = z.number().int().min(100).max(86_400_000);
  const crashStatusSchema = z.enum(["paused", "failed", "timeout"]);

  /** Options of manager.claim(). */
  const claimOptionsSchema = z.strictObject({
    owner: ownerIdSchema.optional(),
    leaseMs: leaseMsSchema.optional(),
    // Checked by assertOperationId (its pattern and message are the other calls').
    operationId: z.unknown().optional(),
  });

  /** Options of manager.release() and manager.delete(). */
  const operationIdOptionsSchema = z.strictObject({ operationId: z.unknown().optional() });

  const inputActionSchema = z.enum(INPUT_ACTIONS);
  const inputExpirySchema = z.union([
    z.enum(["timeout", "failed"]),
    z.strictObject({
      respond: z.strictObject({ action: inputActionSchema, value: jsonValue("respond.value").optional() }),
    }),
  ]);

  /** Options of manager.sweep(). */
  const sweepOptionsSchema = z.strictObject({
    status: crashStatusSchema.optional(),
    inputExpiry: inputExpirySchema.optional(),
  });

  /** Options of manager.startSweeper(). */
  const sweeperOptionsSchema = z.strictObject({
    intervalMs: z.number().int().min(10).max(86_400_000),
    status: crashStatusSchema.optional(),
    inputExpiry: inputExpirySchema.optional(),
  });

  const requestIdSchema = z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, "expected a request id (letters, digits, _ . : -)");

  /** The request of manager.requestInput(). */
  const inputRequestSchema = z.strictObject({
    requestId: requestIdSchema.optional(),
    kind: z.enum(INPUT_KINDS),
    prompt: z.string().max(100_000),
    payload: jsonValue("request.payload").optional(),
    allowed: z.array(inputActionSchema).min(1).optional(),
    expiresAt: isoInstantSchema.optional(),
    tags: z.array(z.string().min(1).max(200)).max(50).optional(),
  });

  /** The response and options of manager.respond(). */
  const respondSchema = z.strictObject({
    requestId: requestIdSchema,
    response: z.strictObject({ action: inputActionSchema, value: jsonValue("response.value").optional() }),
    options: z.strictObject({
      by: z.string().max(200).optional(),
      keepPaused: z.boolean().optional(),
      operationId: z.string().optional(),
    }),
  });

  /** The instant of manager.setExpiry(): when retention removes the session, or null for never. */
  const expirySchema = z.strictObject({ expiresAt: isoInstantSchema.nullable() });

  /** The hold of manager.hold(). */
  const holdSchema = z.strictObject({
    reason: z.string().min(1).max(10_000),
    by: z.string().max(200).optional(),
  });

  const statusEnum = z.enum(["active", "paused", "completed", "failed", "timeout"]);
  const retentionPolicySchema = z.strictObject({
    when: z
      .strictObject({
        status: z.union([statusEnum, z.array(statusEnum).min(1)]).optional(),
        mode: z.string().optional(),
        olderThan: z.union([z.string(), z.number().min(0)]).optional(),
        expired: z.literal(true).optional(),
      })
      .refine((when) => when.olderThan !== undefined || when.expired === true, {
        message: "give olderThan, or expired: true",
      }),
    action: z.enum(["delete", "archive"]),
    archivePath: z.string().min(1).optional(),
  });

  /** Options of manager.applyRetention(). */
  const retentionRunSchema = z.strictObject({
    dryRun: z.boolean().optional(),
    policies: z.array(retentionPolicySchema).optional(),
    waitMs: z.number().int().min(0).max(86_400_000).optional(),
    leaseMs: leaseMsSchema.optional(),
  });

  /** Options of createSessionManager. */
  const managerOptionsSchema = z.strictObject({
    retention: z.array(retentionPolicySchema).optional(),
    store: z.custom<unknown>(
      (value) => ["get", "commit", "create", "list", "readEvents"].every((name) => hasFunction(name)(value)),
      "expected a SessionStore",
    ),
    clock: z.custom<unknown>(hasFunction("now"), "expected a Clock ({ now(): number })").optional(),
    webhooks: z.union([webhookConfigSchema(), z.array(webhookConfigSchema())]).optional(),
    webhookDispatcher: z
      .custom<unknown>(hasFunction("dispatch"), "expected an undici Dispatcher (e.g. new Agent())")
      .optional(),
    maxCommitRetries: z.number().int().min(0).max(10_000).optional(),
    ownership: z
      .union([
        z.boolean(),
        z.strictObject({
          ownerId: ownerIdSchema.optional(),
          leaseMs: leaseMsSchema.optional(),
          claimOnStart: z.boolean().optional(),
        }),
      ])
      .optional(),
    recentHistorySize: z.number().int().min(1).max(10_000).optional(),
    onListenerError: z
      .custom<unknown>((value) => typeof value === "function", "expected a function")
      .optional(),
  });

  /** Input of manager.start(). */
  const startInputSchema = z
    .strictObject({
      id: z.string().optional(),
      task: z.string(),
      mode: z.string(),
      userId: z.string().optional(),
      channelId: z.string().optional(),
      workspace: z.string().optional(),
      maxIterations: z.number().int().min(1).optional(),
      deadlineAt: isoInstantSchema.optional(),
      timeoutMs: z.number().int().min(1).optional(),
      expiresAt: isoInstantSchema.optional(),
      context: jsonObject("context").optional(),
      metadata: jsonObject("metadata").optional(),
    })
    .refine((input) => input.deadlineAt === undefined || input.timeoutMs === undefined, {
      message: "give deadlineAt or timeoutMs, not both",
    });

  /** Options of manager.resume(). */
  const resumeOptionsSchema = z.strictObject({
    extendIterations: z.number().int().min(1).optional(),
    maxIterations: z.number().int().min(1).optional(),
    deadlineAt: isoInstantSchema.nullable().optional(),
  });

  const tokensSchema = z.union([
    z.number().min(0),
    z.strictObject({
      prompt: z.number().min(0).optional(),
      completion: z.number().min(0).optional(),
      total: z.number().min(0).optional(),
    }),
  ]);

  /** Options of manager.incrementIteration(). */
  const iterationOptionsSchema = z.strictObject({
    usage: z
      .strictObject({
        tokens: tokensSchema.optional(),
        cost: z.number().min(0).optional(),
        model: z.string().optional(),
        toolsUsed: z.array(z.string().min(1)).optional(),
      })
      .optional(),
  });

  /** Input of manager.cleanup(). */
  const cleanupInputSchema = z.strictObject({
    maxAgeDays: z.number().min(0).optional(),
    olderThan: isoInstantSchema.optional(),
    statuses: z
      .array(z.enum(["active", "paused", "completed", "failed", "timeout"]))
      .min(1)
      .optional(),
    dryRun: z.boolean().optional(),
  });

  /** Input of manager.close(). */
  const closeOptionsSchema = z.strictObject({ timeoutMs: z.number().int().min(0).optional() });

  const eventTypeSchema = z
    .string()
    .regex(EVENT_TYPE_PATTERN, `expected an event type matching ${EVENT_TYPE_PATTERN}`);
  const dataSchema = (path: string) => jsonObject(path).optional();
  const anyJson = jsonValue;

  return {
    claimOptionsSchema,
    operationIdOptionsSchema,
    sweepOptionsSchema,
    sweeperOptionsSchema,
    inputRequestSchema,
    respondSchema,
    expirySchema,
    holdSchema,
    retentionRunSchema,
    managerOptionsSchema,
    startInputSchema,
    resumeOptionsSchema,
    iterationOptionsSchema,
    cleanupInputSchema,
    closeOptionsSchema,
    eventTypeSchema,
    dataSchema,
    anyJson,
  };
}

const built = lazy(buildManagerSchemas);

// Each schema as a handle that builds them all on first use: parse() takes the handle.
export const claimOptionsSchema = () => built().claimOptionsSchema;
export const operationIdOptionsSchema = () => built().operationIdOptionsSchema;
export const sweepOptionsSchema = () => built().sweepOptionsSchema;
export const sweeperOptionsSchema = () => built().sweeperOptionsSchema;
export const inputRequestSchema = () => built().inputRequestSchema;
export const respondSchema = () => built().respondSchema;
export const expirySchema = () => built().expirySchema;
export const holdSchema = () => built().holdSchema;
export const retentionRunSchema = () => built().retentionRunSchema;
export const managerOptionsSchema = () => built().managerOptionsSchema;
export const startInputSchema = () => built().startInputSchema;
export const resumeOptionsSchema = () => built().resumeOptionsSchema;
export const iterationOptionsSchema = () => built().iterationOptionsSchema;
export const cleanupInputSchema = () => built().cleanupInputSchema;
export const closeOptionsSchema = () => built().closeOptionsSchema;
export const eventTypeSchema = () => built().eventTypeSchema;
export const dataSchema = (path: string) => () => built().dataSchema(path);
export const anyJson = (path: string) => () => built().anyJson(path);

/** Parses `value` with `schema` as manager input (ERR_INVALID_INPUT naming the field). */
export function parse<S extends Z.ZodType>(schema: () => S, value: unknown, what: string): Z.output<S> {
  return parseInput(schema(), value, what, COMPONENT);
}
