import {
  countingWrites,
  DEFAULT_MAX_PAYLOAD_BYTES,
  defineSessionStore,
  fullContractCapabilities,
  releaseOwnedClient,
  SessionKitError,
  type SessionStore,
} from "@sessionkit/core/driver";
import pg from "pg";
import { announcingWrites, createChangeNotifier } from "./change-notify.js";
import { createChangeRetention } from "./change-retention.js";
import { createPostgresDriver } from "./driver.js";
import { changeChannel, LATEST_SCHEMA_VERSION, migrate, quoteSchema } from "./migrations.js";
import {
  describeTarget,
  type PostgresConnection,
  type PostgresStoreOptions,
  parseOptions,
} from "./options.js";
import { toStoreError } from "./pg-errors.js";
import type { PoolLike } from "./pool.js";
import { createPostgresChangeFeed } from "./watch-feed.js";

const NAME = "store-postgres";

/** The capabilities of the PostgreSQL store (async only: no sync face). */
export const postgresStoreCapabilities = fullContractCapabilities({
  sync: false,
  watch: true,
  namedLeases: true,
});

/**
 * A SessionStore on PostgreSQL. Pass `{ connectionString }` and the store opens its own pg.Pool
 * and ends it on close(); pass `{ pool }` and it uses yours and leaves it open. Tables live in
 * `options.schema` (default "sessionkit") and are migrated on first use.
 */
export function createPostgresStore(
  connection: PostgresConnection,
  options: PostgresStoreOptions = {},
): SessionStore {
  return buildPostgresStore(connection, options).store;
}

/** The store and its readiness (connected, schema migrated or checked), which every operation awaits. */
function buildPostgresStore(
  connection: PostgresConnection,
  options: PostgresStoreOptions,
): { store: SessionStore; ready: () => Promise<void> } {
  const parsed = parseOptions(connection, options, NAME);
  const schema = parsed.options.schema ?? "sessionkit";
  const owned = "connectionString" in parsed.connection;
  let pool: PoolLike;
  let target: string;
  if ("connectionString" in parsed.connection) {
    const { connectionString, max, connectionTimeoutMillis } = parsed.connection;
    const created = new pg.Pool({
      connectionString,
      max: max ?? 10,
      connectionTimeoutMillis: connectionTimeoutMillis ?? 10_000,
    });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    created.on("error", () => undefined);
    pool = created as unknown as PoolLike;
    target = describeTarget(connectionString);
  } else {
    pool = parsed.connection.pool;
    target = describeTarget(undefined, pool);
  }

  let readyPromise: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    readyPromise ??= (async () => {
      if (parsed.options.migrate === false) {
        await assertMigrated(pool, schema);
        return;
      }
      await migrate(pool, schema, NAME);
    })().catch((error: unknown) => {
      // Not cached: a server that comes up later gets another try.
      readyPromise = undefined;
      throw toStoreError(NAME, "prepare the schema", error, target);
    });
    return readyPromise;
  };

  const driver = announcingWrites(
    createPostgresDriver({
      pool,
      schema,
      target,
      ready,
      prepare: parsed.options.prepare ?? true,
      capabilities: {
        ...postgresStoreCapabilities,
        maxPayloadBytes: parsed.options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
      },
      release: releaseOwnedClient({ owned, close: () => pool.end() }),
    }),
    createChangeNotifier(pool, changeChannel(schema)),
  );
  const watch = parsed.options.watch ?? {};
  const maxLength = parsed.options.changeLog?.maxLength;
  const changes = createPostgresChangeFeed({
    pool,
    schema,
    ready,
    notify: watch.notify ?? true,
    pollMs: watch.pollMs ?? 50,
    onWarning:
      (watch.onWarning as ((message: string) => void) | undefined) ?? ((message) => console.warn(message)),
    ...(maxLength === undefined ? {} : { maxLength }),
  });
  const store = defineSessionStore(
    {
      ...(maxLength === undefined
        ? driver
        : countingWrites(driver, createChangeRetention(pool, schema, maxLength).wrote)),
      changes,
    },
    parsed.options.clock ? { clock: parsed.options.clock } : {},
  );
  return { store, ready };
}

/** Like createPostgresStore, but connects and migrates first, so a bad server or schema fails here. */
export async function openPostgresStore(
  connection: PostgresConnection,
  options: PostgresStoreOptions = {},
): Promise<SessionStore> {
  const { store, ready } = buildPostgresStore(connection, options);
  try {
    // Readiness alone (one connection, the migrations or their check): a probe such as count()
    // scanned the whole table, 46–79 ms of every `sessionkit` run at 100,000 sessions.
    await ready();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

async function assertMigrated(pool: PoolLike, schema: string): Promise<void> {
  const { rows } = await pool.query<{ v: number | null }>(
    `SELECT max(version) AS v FROM ${quoteSchema(schema)}.sessionkit_migrations`,
  );
  const found = rows[0]?.v ?? 0;
  if (found !== LATEST_SCHEMA_VERSION) {
    throw new SessionKitError(
      "ERR_UNSUPPORTED_SCHEMA",
      `[${NAME}] Schema "${schema}" is at migration ${found}, this release needs ${LATEST_SCHEMA_VERSION}. Run migratePostgresSchema() or open with migrate: true.`,
      { details: { schema, found, supported: LATEST_SCHEMA_VERSION } },
    );
  }
}

/**
 * Brings a schema to the latest migration without opening a store (for deploy scripts); safe to
 * run from many processes at once. Returns the migration numbers it applied. Ends only a pool it opened.
 */
export async function migratePostgresSchema(
  connection: PostgresConnection,
  options: Pick<PostgresStoreOptions, "schema"> = {},
): Promise<number[]> {
  const parsed = parseOptions(connection, options, NAME);
  const schema = parsed.options.schema ?? "sessionkit";
  if (!("connectionString" in parsed.connection)) {
    const pool = parsed.connection.pool;
    return migrate(pool, schema, NAME).catch((error: unknown) => {
      throw toStoreError(NAME, "migrate the schema", error, describeTarget(undefined, pool));
    });
  }
  const { connectionString, connectionTimeoutMillis } = parsed.connection;
  const pool = new pg.Pool({
    connectionString,
    max: 1,
    connectionTimeoutMillis: connectionTimeoutMillis ?? 10_000,
  });
  pool.on("error", () => undefined);
  try {
    return await migrate(pool as unknown as PoolLike, schema, NAME);
  } catch (error) {
    throw toStoreError(NAME, "migrate the schema", error, describeTarget(connectionString));
  } finally {
    await pool.end();
  }
}
