import { type Clock, DEFAULT_MAX_PAYLOAD_BYTES, SessionKitError } from "@sessionkit/core/driver";
import { z } from "zod";

/** How hard the store works to survive a power loss (a killed process is always survived). */
export const DURABILITY_LEVELS = ["fsync", "none"] as const;
export type Durability = (typeof DURABILITY_LEVELS)[number];

const clockSchema = z.custom<Clock>(
  (value) => typeof value === "object" && value !== null && typeof (value as Clock).now === "function",
  "an object with a now() method",
);

/** Zod schema of the options of createFsStore. */
export const fsStoreOptionsSchema = z.strictObject({
  /** The directory holding one sub-directory per session; created if missing. Required. */
  dir: z.string().min(1),
  /**
   * "fsync" (default): every commit is flushed (fdatasync of the log; temp file + fsync + rename +
   * directory fsync for session.json) before it returns. "none": no fsync; a killed process still
   * leaves every session old-or-new, but an OS crash or power loss may lose recent commits.
   */
  durability: z.enum(DURABILITY_LEVELS).default("fsync"),
  /**
   * A lock not renewed for this long is stale and taken over (default 10000 ms, min 100). A holder
   * renews every quarter of it while it commits; values under 2000 ms are meant for tests.
   */
  lockStaleMs: z.number().int().min(100).max(600_000).default(10_000),
  /** How long an operation waits for a session lock before ERR_STORE_BUSY (default 30000 ms). */
  lockTimeoutMs: z.number().int().min(0).max(3_600_000).default(30_000),
  /** Where timestamps come from (default: the system clock). */
  clock: clockSchema.optional(),
  /** Largest JSON size of one record or event (default 16 MiB). */
  maxPayloadBytes: z
    .number()
    .int()
    .min(1024)
    .max(512 * 1024 * 1024)
    .default(DEFAULT_MAX_PAYLOAD_BYTES),
  /** Rewrite session.json after this many commits appended to the log since the last rewrite (default 32). */
  checkpointEvery: z.number().int().min(1).max(10_000).default(32),
});

/** Options of createFsStore, as callers write them. */
export type FsStoreOptions = z.input<typeof fsStoreOptionsSchema>;
/** Options after parsing, defaults filled in. */
export type ResolvedFsStoreOptions = z.output<typeof fsStoreOptionsSchema>;

/** Parses options once at the boundary; ERR_INVALID_INPUT names the offending field. */
export function parseFsStoreOptions(options: unknown): ResolvedFsStoreOptions {
  const parsed = fsStoreOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join(".") || "options";
  throw new SessionKitError(
    "ERR_INVALID_INPUT",
    `[store-fs] Expected \`${field}\` to be valid (${issue?.message ?? "invalid"}). Fix the options passed to createFsStore({ dir, … }).`,
    { details: { field } },
  );
}
