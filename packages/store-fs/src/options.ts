import {
  type Clock,
  checkShape,
  DEFAULT_MAX_PAYLOAD_BYTES,
  is,
  optional,
  SessionKitError,
  ShapeIssue,
  withDefault,
} from "@sessionkit/core/driver";

/** How hard the store works to survive a power loss (a killed process is always survived). */
export const DURABILITY_LEVELS = ["fsync", "none"] as const;
export type Durability = (typeof DURABILITY_LEVELS)[number];

/** Options of createFsStore, as callers write them. */
export interface FsStoreOptions {
  /** The directory holding one sub-directory per session; created if missing. Required. */
  dir: string;
  /**
   * "fsync" (default): every commit is flushed (fdatasync of the log; temp file + fsync + rename +
   * directory fsync for session.json) before it returns. "none": no fsync; a killed process still
   * leaves every session old-or-new, but an OS crash or power loss may lose recent commits.
   */
  durability?: Durability | undefined;
  /**
   * A lock not renewed for this long is stale and taken over (default 10000 ms, min 100). A holder
   * renews every quarter of it while it commits; values under 2000 ms are meant for tests.
   */
  lockStaleMs?: number | undefined;
  /** How long an operation waits for a session lock before ERR_STORE_BUSY (default 30000 ms). */
  lockTimeoutMs?: number | undefined;
  /** Where timestamps come from (default: the system clock). */
  clock?: Clock | undefined;
  /** Largest JSON size of one record or event (default 16 MiB). */
  maxPayloadBytes?: number | undefined;
  /** Rewrite session.json after this many commits appended to the log since the last rewrite (default 32). */
  checkpointEvery?: number | undefined;
}

/** Options after parsing, defaults filled in. */
export type ResolvedFsStoreOptions = Required<Omit<FsStoreOptions, "clock">> & { clock?: Clock };

// Checked by hand (core's shape.ts), not zod: opening a store is every CLI run's start, and zod is
// most of a read-only process's start-up.
const optionsShape = is.object<ResolvedFsStoreOptions>(
  {
    dir: is.string({ min: 1 }),
    durability: withDefault(is.oneOf(DURABILITY_LEVELS), "fsync"),
    lockStaleMs: withDefault(is.int({ min: 100, max: 600_000 }), 10_000),
    lockTimeoutMs: withDefault(is.int({ min: 0, max: 3_600_000 }), 30_000),
    clock: optional(
      is.custom<Clock>(
        (value) => typeof value === "object" && value !== null && typeof (value as Clock).now === "function",
        "an object with a now() method",
      ),
    ),
    maxPayloadBytes: withDefault(is.int({ min: 1024, max: 512 * 1024 * 1024 }), DEFAULT_MAX_PAYLOAD_BYTES),
    checkpointEvery: withDefault(is.int({ min: 1, max: 10_000 }), 32),
  },
  "strict",
);

/**
 * Parses options once at the boundary; ERR_INVALID_INPUT names the offending field in
 * `details.path`, as the other stores do (and in `details.field`, as before).
 */
export function parseFsStoreOptions(options: unknown): ResolvedFsStoreOptions {
  try {
    return checkShape(optionsShape, options);
  } catch (error) {
    if (!(error instanceof ShapeIssue)) throw error;
    const field = error.where || "options";
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[store-fs] Expected \`${field}\` to be valid (${error.message}). Fix the options passed to createFsStore({ dir, … }).`,
      { details: { field, path: field } },
    );
  }
}
