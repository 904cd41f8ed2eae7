import { type Clock, parseInput } from "@sessionkit/core/driver";
import { z } from "zod";
import type { PoolLike } from "./pool.js";

/** Schema names the store accepts: lower-case identifiers, so quoting never changes their meaning. */
export const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

const isPoolLike = (value: unknown): value is PoolLike =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as PoolLike).query === "function" &&
  typeof (value as PoolLike).connect === "function";

const connectionSchema = z.union([
  z.strictObject({
    /** `postgres://user@host:port/database`; the store opens a pg.Pool and ends it on close(). */
    connectionString: z.string().min(1),
    /** Pool size (default 10). */
    max: z.number().int().min(1).max(1000).optional(),
    /** How long to wait for a connection before failing with ERR_STORE_IO (default 10000 ms). */
    connectionTimeoutMillis: z.number().int().min(0).optional(),
  }),
  z.strictObject({
    /** A pg.Pool (or compatible) owned by the caller; close() leaves it open. */
    pool: z.custom<PoolLike>(isPoolLike, "a pg.Pool"),
  }),
]);

const optionsSchema = z.strictObject({
  /** PostgreSQL schema holding the tables (default "sessionkit"); created when missing. */
  schema: z.string().regex(SCHEMA_NAME_PATTERN).optional(),
  /** Where timestamps come from (default: the system clock). */
  clock: z.custom<Clock>((value) => typeof (value as Clock | null)?.now === "function", "a clock").optional(),
  /** Largest JSON size of one record or event (default 16 MiB). */
  maxPayloadBytes: z.number().int().min(1).optional(),
  /** Run pending migrations on first use (default true); false refuses to touch the schema. */
  migrate: z.boolean().optional(),
  /** Prepare the fixed statements once per connection (default true); false behind a pooler that cannot keep them. */
  prepare: z.boolean().optional(),
  /**
   * Retention of the change log behind watch(): keep the newest `maxLength` changes (a little more
   * between trims); an older `since` cursor fails with ERR_CURSOR_EXPIRED. Default: keep every change.
   */
  changeLog: z.strictObject({ maxLength: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).optional(),
  /** How watch() learns of commits (see watch-feed.ts). */
  watch: z
    .strictObject({
      /** LISTEN/NOTIFY wake-ups (default true); false polls only, as after a failed self-test. */
      notify: z.boolean().optional(),
      /** Polling interval when notifications are off or do not arrive (default 50 ms). */
      pollMs: z.number().int().min(5).max(60_000).optional(),
      /** Told once when notifications do not arrive and watch() falls back to polling (default console.warn). */
      onWarning: z.custom<(message: string) => void>((value) => typeof value === "function").optional(),
    })
    .optional(),
});

/** Where the store's connections come from: a connection string (store-owned pool) or your pool. */
export type PostgresConnection = z.input<typeof connectionSchema>;
/** Options of createPostgresStore. */
export type PostgresStoreOptions = z.input<typeof optionsSchema>;

/** Both arguments, parsed once at the boundary. */
export function parseOptions(
  connection: PostgresConnection,
  options: PostgresStoreOptions,
  component: string,
): { connection: z.output<typeof connectionSchema>; options: z.output<typeof optionsSchema> } {
  return {
    connection: parseInput(connectionSchema, connection, "connection", component),
    options: parseInput(optionsSchema, options ?? {}, "options", component),
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
