import type { CommitResult } from "@sessionkit/core";
import {
  countingWrites,
  defineSessionStore,
  errors,
  fullContractCapabilities,
  isSessionKitError,
  type SessionStore,
  type StoreCapabilities,
  type SyncSessionStore,
} from "@sessionkit/core/driver";
import Database from "better-sqlite3";
import { type CallerTransactions, createCallerTransactions } from "./caller-transaction.js";
import { createChangeRetention } from "./change-retention.js";
import type { SqliteDatabase } from "./database.js";
import { STORE_NAME, translateError } from "./errors.js";
import { migrate, readSchemaVersion } from "./migrations.js";
import { parseSqliteOptions, type SqliteStoreOptions } from "./options.js";
import { createSqliteDriver } from "./sqlite-driver.js";
import { createSqliteChangeFeed } from "./watch-feed.js";

/** Capabilities of a store on a database file. */
export const sqliteStoreCapabilities = fullContractCapabilities({
  sync: true,
  watch: true,
  namedLeases: true,
});

function isMemory(db: SqliteDatabase): boolean {
  return db.memory === true || db.name === ":memory:" || db.name === "";
}

/**
 * A SessionStore on SQLite through better-sqlite3: WAL, indexed queries, numbered migrations,
 * safe across processes. Opened from `filename`, it owns and closes the database; handed a
 * `database`, it never closes it. An in-memory database claims no persistence or sharing.
 */
export function createSqliteStore(options: SqliteStoreOptions): SessionStore {
  const parsed = parseSqliteOptions(options);
  const owns = "filename" in parsed;
  let db: SqliteDatabase;
  try {
    db = owns
      ? (new Database(parsed.filename, { timeout: parsed.busyTimeoutMs }) as unknown as SqliteDatabase)
      : parsed.database;
  } catch (error) {
    throw errors.io(STORE_NAME, `open the database ${JSON.stringify(owns ? parsed.filename : "")}`, error);
  }
  try {
    if (!db.open) throw new Error("the database handed in is closed");
    // busy_timeout first: switching to WAL and migrating may wait for another process.
    db.pragma(`busy_timeout = ${parsed.busyTimeoutMs}`);
    // Before WAL writes the file's first page, or the setting would need a VACUUM (migration 9).
    if (!isMemory(db) && readSchemaVersion(db) === 0) db.pragma("auto_vacuum = INCREMENTAL");
    if (!isMemory(db)) db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${parsed.synchronous === "full" ? "FULL" : "NORMAL"}`);
    // An append writes its event's pages, the session row's and (schema 4) the watch log's: 5.8
    // WAL pages where a bare INSERT of the event writes 2.5 (measured at history 1,000). At the
    // default of a checkpoint (two fsyncs, pages copied back) every 1,000 WAL pages it came every
    // ~170 appends; 2,000 pages brings it to one per ~340 appends, near the bare INSERT's ~400,
    // for a WAL of up to ~8 MB. A database handed in keeps the caller's setting.
    if (owns && !isMemory(db)) db.pragma("wal_autocheckpoint = 2000");
    migrate(db);
  } catch (error) {
    if (owns && db.open) db.close();
    const translated = translateError(error, `open ${JSON.stringify(db.name)}`, parsed.busyTimeoutMs);
    if (isSessionKitError(translated)) throw translated;
    throw errors.io(STORE_NAME, `open the database ${JSON.stringify(db.name)}`, error);
  }
  const memory = isMemory(db);
  const capabilities: StoreCapabilities = {
    ...sqliteStoreCapabilities,
    persistent: !memory,
    multiHandle: !memory,
    multiProcess: !memory,
    crashSafe: !memory,
    maxPayloadBytes: parsed.maxPayloadBytes,
  };
  const driver = createSqliteDriver({
    db,
    ownsDatabase: owns,
    capabilities,
    busyTimeoutMs: parsed.busyTimeoutMs,
  });
  const maxLength = parsed.changeLog?.maxLength;
  const store = defineSessionStore(
    {
      ...(maxLength === undefined
        ? driver
        : countingWrites(driver, createChangeRetention(db, maxLength).wrote)),
      changes: createSqliteChangeFeed(db, STORE_NAME, maxLength),
    },
    parsed.clock ? { clock: parsed.clock } : {},
  );
  return withCallerTransactions(store, db, createCallerTransactions(db));
}

/**
 * Marks commits made inside the caller's own transaction with `settled`, so the manager tells
 * listeners and webhooks only once that transaction has committed (issue 14 #5).
 */
function withCallerTransactions(
  store: SessionStore,
  db: SqliteDatabase,
  tracker: CallerTransactions,
): SessionStore {
  // The driver is synchronous, so a commit runs while the wrapper is called: whether the
  // caller's transaction is open must be read then, not when the promise resolves.
  const marked = (run: () => Promise<CommitResult>): Promise<CommitResult> => {
    if (!db.inTransaction) return run();
    return run().then((result) => tracker.track(result));
  };
  const markedSync = (result: CommitResult): CommitResult =>
    db.inTransaction ? tracker.track(result) : result;
  const sync = (): SyncSessionStore => {
    const face = store.sync();
    return {
      ...face,
      create: (input, options) => markedSync(face.create(input, options)),
      commit: (id, input) => markedSync(face.commit(id, input)),
    };
  };
  return {
    ...store,
    create: (input, options) => marked(() => store.create(input, options)),
    commit: (id, input) => marked(() => store.commit(id, input)),
    sync,
    close: () => {
      tracker.close();
      return store.close();
    },
  };
}
