import {
  type ChangeLogOptions,
  type Clock,
  checkShape,
  DEFAULT_MAX_PAYLOAD_BYTES,
  describeValue,
  is,
  optional,
  SessionKitError,
  type Shape,
  ShapeIssue,
  withDefault,
} from "@sessionkit/core/driver";
import type { SqliteDatabase } from "./database.js";
import { STORE_NAME } from "./errors.js";

const isDatabase = (value: unknown): value is SqliteDatabase =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as SqliteDatabase).prepare === "function" &&
  typeof (value as SqliteDatabase).exec === "function" &&
  typeof (value as SqliteDatabase).pragma === "function";

const isClock = (value: unknown): value is Clock =>
  typeof value === "object" && value !== null && typeof (value as Clock).now === "function";

// Checked by hand (core's shape.ts), not zod: opening a store is every CLI run's start, and zod is
// most of a read-only process's start-up.
const common = {
  clock: optional(is.custom<Clock>(isClock, "a clock with a now() method")),
  busyTimeoutMs: withDefault(is.int({ min: 0, max: 600_000 }), 5_000),
  synchronous: withDefault(is.oneOf(["normal", "full"] as const), "normal"),
  maxPayloadBytes: withDefault(is.int({ min: 1024 }), DEFAULT_MAX_PAYLOAD_BYTES),
  changeLog: optional(is.object({ maxLength: is.int({ min: 1, max: Number.MAX_SAFE_INTEGER }) }, "strict")),
};

const fileOptions = is.object<ParsedSqliteStoreOptions>(
  { filename: is.string({ min: 1 }), ...common },
  "strict",
);
const databaseOptions = is.object<ParsedSqliteStoreOptions>(
  { database: is.custom<SqliteDatabase>(isDatabase, "a better-sqlite3 Database"), ...common },
  "strict",
);
/** { filename } or { database }: the one the options name decides which is checked. */
const optionsShape: Shape<ParsedSqliteStoreOptions> = (value) =>
  value !== null && typeof value === "object" && "database" in value && !("filename" in value)
    ? databaseOptions(value)
    : fileOptions(value);

/** Options shared by both ways of opening a store. */
interface CommonOptions {
  /** Where timestamps come from (default: the system clock). */
  clock?: Clock;
  /** How long a writer waits for another connection's write lock before ERR_STORE_BUSY (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * `"normal"` (default): in WAL mode a commit survives a process crash, and the last commits may be
   * lost on power loss; `"full"`: fsync on every commit, durable on power loss, roughly 10× slower.
   */
  synchronous?: "normal" | "full";
  /** Largest JSON size of one record or one event (default 16 MiB). */
  maxPayloadBytes?: number;
  /**
   * Retention of the change log behind watch(): keep the newest `maxLength` changes (a little more
   * between trims); a `since` cursor older than that fails with ERR_CURSOR_EXPIRED. Default: keep
   * every change, as before (the log is one small row per commit, like the events it points at).
   */
  changeLog?: ChangeLogOptions;
}

/** Open (and own) the database file at `filename`; the store closes it in close(). ":memory:" for a private in-memory one. */
export interface SqliteFileOptions extends CommonOptions {
  filename: string;
}

/**
 * Use a better-sqlite3 Database you opened; the store never closes it (you do, after store.close()).
 * The store sets its busy_timeout and synchronous pragmas and switches a file database to WAL.
 */
export interface SqliteDatabaseOptions extends CommonOptions {
  database: SqliteDatabase;
}

/** Options of createSqliteStore. */
export type SqliteStoreOptions = SqliteFileOptions | SqliteDatabaseOptions;

/** The options after parsing, defaults applied. */
export type ParsedSqliteStoreOptions = Omit<
  CommonOptions,
  "busyTimeoutMs" | "synchronous" | "maxPayloadBytes"
> &
  Required<Pick<CommonOptions, "busyTimeoutMs" | "synchronous" | "maxPayloadBytes">> &
  ({ filename: string; database?: undefined } | { database: SqliteDatabase; filename?: undefined });

/** What the error shows of the options: their keys (values may be handles), or "unreadable" (a Proxy that throws). */
function keysOf(options: unknown): unknown {
  try {
    return options && typeof options === "object" ? Object.keys(options) : options;
  } catch {
    return "unreadable";
  }
}

/** Parses options once at the boundary; ERR_INVALID_INPUT naming the bad option. */
export function parseSqliteOptions(options: unknown): ParsedSqliteStoreOptions {
  try {
    return checkShape(optionsShape, options);
  } catch (error) {
    if (!(error instanceof ShapeIssue)) throw error;
    const path = error.where || "options";
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[${STORE_NAME}] Expected options { filename } or { database } with valid values; \`${path}\`: ${error.message}, got ${describeValue(keysOf(options))}. Pass { filename: "sessions.db" } or { database: new Database(...) }.`,
      { details: { path } },
    );
  }
}
