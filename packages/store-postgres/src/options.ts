import {
  type ChangeLogOptions,
  type Clock,
  is,
  optional,
  parseShape,
  type Shape,
} from "@sessionkit/core/driver";
import type { PoolLike } from "./pool.js";

/** Schema names the store accepts: lower-case identifiers, so quoting never changes their meaning. */
export const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

const isPoolLike = (value: unknown): value is PoolLike =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as PoolLike).query === "function" &&
  typeof (value as PoolLike).connect === "function";

/** Where the store's connections come from: a connection string (store-owned pool) or your pool. */
export type PostgresConnection =
  | {
      /** `postgres://user@host:port/database`; the store opens a pg.Pool and ends it on close(). */
      connectionString: string;
      /** Pool size (default 10). */
      max?: number | undefined;
      /** How long to wait for a connection before failing with ERR_STORE_IO (default 10000 ms). */
      connectionTimeoutMillis?: number | undefined;
      pool?: undefined;
    }
  | {
      /** A pg.Pool (or compatible) owned by the caller; close() leaves it open. */
      pool: PoolLike;
      connectionString?: undefined;
      max?: undefined;
      connectionTimeoutMillis?: undefined;
    };

/** Options of createPostgresStore. */
export interface PostgresStoreOptions {
  /** PostgreSQL schema holding the tables (default "sessionkit"); created when missing. */
  schema?: string | undefined;
  /** Where timestamps come from (default: the system clock). */
  clock?: Clock | undefined;
  /** Largest JSON size of one record or event (default 16 MiB). */
  maxPayloadBytes?: number | undefined;
  /** Run pending migrations on first use (default true); false refuses to touch the schema. */
  migrate?: boolean | undefined;
  /** Prepare the fixed statements once per connection (default true); false behind a pooler that cannot keep them. */
  prepare?: boolean | undefined;
  /**
   * Retention of the change log behind watch(): keep the newest `maxLength` changes (a little more
   * between trims); an older `since` cursor fails with ERR_CURSOR_EXPIRED. Default: keep every change.
   */
  changeLog?: ChangeLogOptions | undefined;
  /** How watch() learns of commits (see watch-feed.ts). */
  watch?:
    | {
        /** LISTEN/NOTIFY wake-ups (default true); false polls only, as after a failed self-test. */
        notify?: boolean | undefined;
        /** Polling interval when notifications are off or do not arrive (default 50 ms). */
        pollMs?: number | undefined;
        /** Told once when notifications do not arrive and watch() falls back to polling (default console.warn). */
        onWarning?: ((message: string) => void) | undefined;
      }
    | undefined;
}

// Checked by hand (core's shape.ts), not zod: opening a store is every CLI run's start, and zod is
// most of a read-only process's start-up.
const ownConnection = is.object<PostgresConnection>(
  {
    connectionString: is.string({ min: 1 }),
    max: optional(is.int({ min: 1, max: 1000 })),
    connectionTimeoutMillis: optional(is.int({ min: 0 })),
  },
  "strict",
);
const callersPool = is.object<PostgresConnection>(
  { pool: is.custom<PoolLike>(isPoolLike, "a pg.Pool") },
  "strict",
);
/** { connectionString } or { pool }: the one the connection names decides which is checked. */
const connectionShape: Shape<PostgresConnection> = (value) =>
  value !== null && typeof value === "object" && "pool" in value && !("connectionString" in value)
    ? callersPool(value)
    : ownConnection(value);

const optionsShape = is.object<PostgresStoreOptions>(
  {
    schema: optional(is.string({ pattern: SCHEMA_NAME_PATTERN })),
    clock: optional(
      is.custom<Clock>((value) => typeof (value as Clock | null)?.now === "function", "a clock"),
    ),
    maxPayloadBytes: optional(is.int({ min: 1 })),
    migrate: optional(is.boolean()),
    prepare: optional(is.boolean()),
    changeLog: optional(is.object({ maxLength: is.int({ min: 1, max: Number.MAX_SAFE_INTEGER }) }, "strict")),
    watch: optional(
      is.object(
        {
          notify: optional(is.boolean()),
          pollMs: optional(is.int({ min: 5, max: 60_000 })),
          onWarning: optional(is.custom((value) => typeof value === "function", "a function")),
        },
        "strict",
      ),
    ),
  },
  "strict",
);

/** Both arguments, parsed once at the boundary. */
export function parseOptions(
  connection: PostgresConnection,
  options: PostgresStoreOptions,
  component: string,
): { connection: PostgresConnection; options: PostgresStoreOptions } {
  return {
    connection: parseShape(connectionShape, connection, "connection", component),
    options: parseShape(optionsShape, options ?? {}, "options", component),
  };
}

/** "host:port" of a connection string, for error messages. */
export function describeTarget(connectionString: string | undefined, pool?: unknown): string {
  try {
    if (connectionString) {
      const url = new URL(connectionString);
      return `${url.hostname || "localhost"}:${url.port || "5432"}`;
    }
  } catch {
    return "the configured server";
  }
  const poolOptions = (
    pool as { options?: { host?: string; port?: number; connectionString?: string } } | undefined
  )?.options;
  if (poolOptions?.connectionString) return describeTarget(poolOptions.connectionString);
  return `${poolOptions?.host ?? process.env.PGHOST ?? "localhost"}:${poolOptions?.port ?? process.env.PGPORT ?? 5432}`;
}
