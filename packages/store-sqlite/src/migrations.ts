import { SessionKitError } from "@sessionkit/core/driver";
import type { SqliteDatabase } from "./database.js";
import { metadataIndexRows } from "./encoding.js";
import { STORE_NAME } from "./errors.js";
import { moveOperationsApart } from "./migration-operations.js";

/** One numbered step of the schema; applied once, in order, recorded in `sessionkit_migrations`. */
export interface Migration {
  version: number;
  description: string;
  up(db: SqliteDatabase): void;
}

/**
 * The schema's history. Never edit a released step: add a new one. Text columns that hold user
 * strings (user_id, channel_id, mode, metadata values) hold their JSON text, so every JS string,
 * lone surrogates and NUL included, is stored and compared exactly (UTF-8 would turn a lone
 * surrogate into U+FFFD). `updated_minute` (updated_at cut to the minute) is what the updated-time
 * index holds: it changes at most once a minute, so an append rarely touches that index, while
 * queries still check the exact updated_at. Since schema 7 one index holds event_count (the
 * statistics index): see that step for what it costs an append and what it saves.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "sessions and events tables, list and prune indexes",
    up(db) {
      db.exec(`
        CREATE TABLE sessions (
          id TEXT PRIMARY KEY NOT NULL,
          user_id TEXT,
          channel_id TEXT,
          mode TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'completed', 'failed', 'timeout')),
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          updated_minute TEXT NOT NULL,
          iterations INTEGER NOT NULL,
          event_count INTEGER NOT NULL,
          record TEXT NOT NULL
        ) STRICT;
        CREATE INDEX sessions_by_created ON sessions (created_at DESC, id DESC);
        CREATE INDEX sessions_by_user ON sessions (user_id, created_at DESC, id DESC);
        CREATE INDEX sessions_by_channel ON sessions (channel_id, created_at DESC, id DESC);
        CREATE INDEX sessions_by_status_updated ON sessions (status, updated_minute);
        CREATE TABLE events (
          session_id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          timestamp TEXT NOT NULL,
          type TEXT NOT NULL,
          data TEXT NOT NULL,
          PRIMARY KEY (session_id, seq)
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    description: "metadata filter index, mode and status list indexes",
    up(db) {
      db.exec(`
        CREATE TABLE session_metadata (
          session_id TEXT NOT NULL,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (session_id, key)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX session_metadata_by_value ON session_metadata (key, value);
        CREATE INDEX sessions_by_mode ON sessions (mode, created_at DESC, id DESC);
        CREATE INDEX sessions_by_status_created ON sessions (status, created_at DESC, id DESC);
      `);
      // Backfill from the records; a record that cannot be parsed gets no metadata rows.
      const insert = db.prepare("INSERT INTO session_metadata (session_id, key, value) VALUES (?, ?, ?)");
      for (const row of db.prepare("SELECT id, record FROM sessions").all() as Array<{
        id: string;
        record: string;
      }>) {
        let metadata: unknown;
        try {
          metadata = (JSON.parse(row.record) as { metadata?: unknown }).metadata;
        } catch {
          continue;
        }
        for (const [key, value] of metadataIndexRows(metadata)) insert.run(row.id, key, value);
      }
    },
  },
  {
    version: 3,
    description: "version column; the columns hold version, event count, updatedAt, status, iterations",
    // From here on these five columns are the truth and the record keeps their values as of its
    // last rewrite, so an events-only append writes a few small columns, never the JSON record.
    // Until now every commit rewrote the record, so record and columns agree: backfill version
    // from the record. A record that is not JSON gets 0 (reading it fails closed anyway).
    up(db) {
      db.exec(`
        ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
        UPDATE sessions SET version = coalesce(json_extract(record, '$.version'), 0)
          WHERE json_valid(record) AND typeof(json_extract(record, '$.version')) = 'integer';
      `);
    },
  },
  {
    version: 4,
    description: "session_changes: the store-wide change log behind watch(), kept by triggers",
    // Triggers, not driver code: every write path (append fast path, import, delete, prune, a
    // caller's own transaction) records its change atomically with itself, in the writer's
    // transaction. SQLite has one writer at a time and AUTOINCREMENT never reuses a pos, so pos
    // order is commit order. Existing sessions get one "created" change each (oldest first), so
    // a watch from "start" sees the store's current contents.
    up(db) {
      const facts = (row: string) =>
        `json_object('mode', json(${row}.mode), 'status', ${row}.status, 'userId', json(${row}.user_id), 'channelId', json(${row}.channel_id))`;
      db.exec(`
        CREATE TABLE session_changes (
          pos INTEGER PRIMARY KEY AUTOINCREMENT,
          session_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          version INTEGER NOT NULL,
          from_seq INTEGER NOT NULL,
          to_seq INTEGER NOT NULL,
          facts TEXT
        ) STRICT;
        INSERT INTO session_changes (session_id, kind, version, from_seq, to_seq, facts)
          SELECT id, 'created', version, 1, event_count, json_patch('{}', json_object('a', ${facts("sessions")}))
          FROM sessions ORDER BY updated_at, id;
        CREATE TRIGGER session_changes_insert AFTER INSERT ON sessions BEGIN
          INSERT INTO session_changes (session_id, kind, version, from_seq, to_seq, facts)
          VALUES (NEW.id, 'created', NEW.version, 1, NEW.event_count, json_patch('{}', json_object('a', ${facts("NEW")})));
        END;
        CREATE TRIGGER session_changes_update AFTER UPDATE ON sessions WHEN NEW.version <> OLD.version BEGIN
          INSERT INTO session_changes (session_id, kind, version, from_seq, to_seq, facts)
          VALUES (NEW.id, 'committed', NEW.version, OLD.event_count + 1, NEW.event_count,
            json_patch('{}', json_object('a', ${facts("NEW")}, 'b', ${facts("OLD")})));
        END;
        CREATE TRIGGER session_changes_delete AFTER DELETE ON sessions BEGIN
          INSERT INTO session_changes (session_id, kind, version, from_seq, to_seq, facts)
          VALUES (OLD.id, 'deleted', OLD.version, OLD.event_count + 1, OLD.event_count, json_patch('{}', json_object('a', ${facts("OLD")})));
        END;
      `);
    },
  },
  {
    version: 5,
    description: "session_inbox: the sessions with open input requests, kept by triggers",
    // One row per session whose record holds a non-empty inputRequests, so the inbox query reads
    // only those (10,000 of 100,000 in the bench) in list order instead of every session's record.
    // Triggers again, so every write path keeps it in the writer's transaction. They fire only
    // when the record (or a column the row copies) is written: an events-only append writes
    // neither, so the append path pays nothing. Status is not copied (it changes without a record
    // rewrite): the query joins sessions for it. A record that is not JSON gets no row.
    up(db) {
      const pick = (s: string) => `
        INSERT INTO session_inbox (session_id, created_at, user_id, channel_id, min_expires_at)
          SELECT ${s}.id, ${s}.created_at, ${s}.user_id, ${s}.channel_id,
            (SELECT min(json_extract(value, '$.expiresAt')) FROM json_each(${s}.record, '$.inputRequests'))
          ${s === "NEW" ? "" : `FROM sessions ${s}`}
          WHERE CASE WHEN json_valid(${s}.record)
            THEN json_type(${s}.record, '$.inputRequests') = 'array' AND json_array_length(${s}.record, '$.inputRequests') > 0
            ELSE 0 END;`;
      const row = `DELETE FROM session_inbox WHERE session_id = NEW.id; ${pick("NEW")}`;
      db.exec(`
        CREATE TABLE session_inbox (
          session_id TEXT PRIMARY KEY NOT NULL,
          created_at TEXT NOT NULL,
          user_id TEXT,
          channel_id TEXT,
          min_expires_at TEXT
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX session_inbox_by_created ON session_inbox (created_at DESC, session_id DESC);
        CREATE INDEX session_inbox_by_user ON session_inbox (user_id, created_at DESC, session_id DESC);
        CREATE INDEX session_inbox_by_channel ON session_inbox (channel_id, created_at DESC, session_id DESC);
        ${pick("s")}
        CREATE TRIGGER session_inbox_insert AFTER INSERT ON sessions BEGIN ${row}
        END;
        CREATE TRIGGER session_inbox_update AFTER UPDATE OF record, user_id, channel_id, created_at ON sessions BEGIN ${row}
        END;
        CREATE TRIGGER session_inbox_delete AFTER DELETE ON sessions BEGIN
          DELETE FROM session_inbox WHERE session_id = OLD.id;
        END;
      `);
    },
  },
  {
    version: 6,
    description: "session_changes: rowid pos (no AUTOINCREMENT), facts only on the commits that change them",
    // What an append pays for the change log: one tiny row. AUTOINCREMENT cost each insert a
    // read and a write of sqlite_sequence, and the facts (two json_object calls and a json_patch)
    // cost more than the row itself. Now pos is the rowid: SQLite gives max(rowid) + 1 inside the
    // single writer's transaction, so pos order stays commit order, and since nothing ever deletes
    // the newest change (retention trims the oldest and keeps the head), no pos is ever reused.
    // A commit that leaves mode, status, userId and channelId as they were writes facts NULL:
    // the reader takes them from the session's latest earlier change that has facts (the partial
    // index holds only those rows, so an append never touches it).
    up(db) {
      const facts = (row: string) =>
        `json_object('mode', json(${row}.mode), 'status', ${row}.status, 'userId', json(${row}.user_id), 'channelId', json(${row}.channel_id))`;
      const same =
        "NEW.status IS OLD.status AND NEW.mode IS OLD.mode AND NEW.user_id IS OLD.user_id AND NEW.channel_id IS OLD.channel_id";
      const columns = "session_id, kind, version, from_seq, to_seq, facts";
      db.exec(`
        DROP TRIGGER session_changes_insert;
        DROP TRIGGER session_changes_update;
        DROP TRIGGER session_changes_delete;
        CREATE TABLE session_changes_next (
          pos INTEGER PRIMARY KEY,
          session_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          version INTEGER NOT NULL,
          from_seq INTEGER NOT NULL,
          to_seq INTEGER NOT NULL,
          facts TEXT
        ) STRICT;
        INSERT INTO session_changes_next (pos, ${columns}) SELECT pos, ${columns} FROM session_changes ORDER BY pos;
        DROP TABLE session_changes;
        ALTER TABLE session_changes_next RENAME TO session_changes;
        CREATE INDEX session_changes_with_facts ON session_changes (session_id, pos) WHERE facts IS NOT NULL;
        CREATE TRIGGER session_changes_insert AFTER INSERT ON sessions BEGIN
          INSERT INTO session_changes (${columns})
          VALUES (NEW.id, 'created', NEW.version, 1, NEW.event_count, json_patch('{}', json_object('a', ${facts("NEW")})));
        END;
        CREATE TRIGGER session_changes_update AFTER UPDATE ON sessions WHEN NEW.version <> OLD.version AND NOT (${same}) BEGIN
          INSERT INTO session_changes (${columns})
          VALUES (NEW.id, 'committed', NEW.version, OLD.event_count + 1, NEW.event_count,
            json_patch('{}', json_object('a', ${facts("NEW")}, 'b', ${facts("OLD")})));
        END;
        CREATE TRIGGER session_changes_append AFTER UPDATE ON sessions WHEN NEW.version <> OLD.version AND ${same} BEGIN
          INSERT INTO session_changes (${columns})
          VALUES (NEW.id, 'committed', NEW.version, OLD.event_count + 1, NEW.event_count, NULL);
        END;
        CREATE TRIGGER session_changes_delete AFTER DELETE ON sessions BEGIN
          INSERT INTO session_changes (${columns})
          VALUES (OLD.id, 'deleted', OLD.version, OLD.event_count + 1, OLD.event_count, json_patch('{}', json_object('a', ${facts("OLD")})));
        END;
      `);
    },
  },
  {
    version: 7,
    description: "sessions_stats: a covering index for stats() (status, mode, iterations, event_count)",
    // Unfiltered stats() read every row of the table, JSON records and all: 162 ms warm (323 ms
    // cold) at 100,000 sessions, most of a `sessionkit stats` run. Over this index the same
    // GROUP BY is a walk of a narrow index already in (status, mode) order: 17-23 ms. The price is
    // an index entry rewritten by each append (event_count changes): +8-14 % CPU per append
    // (73-77 vs 82-85 µs, 20,000 appends over 100 sessions, 3 runs each, machine under load); a
    // trigger-kept totals table cost the same (79-85 µs) and could drift, so the index it is.
    up(db) {
      db.exec("CREATE INDEX sessions_stats ON sessions (status, mode, iterations, event_count)");
    },
  },
  {
    version: 8,
    description: "sessionkit_leases: store-wide named leases (one retention run at a time)",
    // A row per lease, changed by a compare-and-set inside BEGIN IMMEDIATE. A row, not a file lock
    // or an advisory lock: SQLite has no advisory locks, and a row is seen by every process that
    // opens the file, survives a crash as plain data, and its holder text says who holds it.
    up(db) {
      db.exec("CREATE TABLE sessionkit_leases (name TEXT PRIMARY KEY NOT NULL, holder TEXT NOT NULL) STRICT");
    },
  },
  {
    version: 9,
    description: "auto_vacuum = INCREMENTAL: retention gives freed pages back (see convertAutoVacuum)",
    // A new database gets the setting before its first table (migrate() does that); an existing
    // one only after a VACUUM, which cannot run inside this transaction: migrate() runs it after
    // COMMIT when the file is small enough (see VACUUM_ON_MIGRATE_BYTES).
    up(db) {
      db.pragma("auto_vacuum = INCREMENTAL");
    },
  },
  {
    version: 10,
    description: "session_changes_trimmed: how far retention (changeLog.maxLength) trimmed the change log",
    // A watermark, not min(pos): the trim keeps each live session's latest facts row (an append's
    // change row has none of its own, see version 6), so rows older than the cut may remain.
    up(db) {
      db.exec(`
        CREATE TABLE session_changes_trimmed (id INTEGER PRIMARY KEY CHECK (id = 1), pos INTEGER NOT NULL) STRICT;
        INSERT INTO session_changes_trimmed (id, pos) VALUES (1, 0);
      `);
    },
  },
  {
    version: 11,
    description:
      "session_operations: operation ids apart from the record, one row each (existing maps moved)",
    up: moveOperationsApart,
  },
  {
    version: 12,
    description: "session_inbox keeps a damaged record's row; session_inbox_tags: the inbox by request tag",
    // Two changes to the inbox triggers of schema 5. (1) A record written that is not JSON (a torn
    // or foreign write) no longer drops the session from session_inbox: it stays a candidate, so
    // the inbox reports it in page.corrupt, as PostgreSQL and Redis (whose index columns a raw
    // write leaves alone) and list() do. (2) One row per (tag, session) of the open requests, in
    // list order, so `listAwaitingInput({ tag })` reads only the sessions holding that tag
    // instead of every candidate (the tag was a filter in JS over all 10,000 open sessions).
    up(db) {
      const tags = `
        INSERT OR IGNORE INTO session_inbox_tags (tag, created_at, session_id)
          SELECT DISTINCT t.value, NEW.created_at, NEW.id
          FROM json_each(NEW.record, '$.inputRequests') q, json_each(q.value, '$.tags') t
          WHERE json_type(q.value, '$.tags') = 'array' AND t.type = 'text';`;
      // The backfill reads each record once more; json_each of a damaged record would abort it.
      const backfill = `
        INSERT OR IGNORE INTO session_inbox_tags (tag, created_at, session_id)
          SELECT DISTINCT t.value, s.created_at, s.id
          FROM session_inbox i JOIN sessions s ON s.id = i.session_id,
            json_each(CASE WHEN json_valid(s.record) THEN s.record ELSE '{}' END, '$.inputRequests') q,
            json_each(q.value, '$.tags') t
          WHERE json_type(q.value, '$.tags') = 'array' AND t.type = 'text';`;
      const pick = `
        INSERT INTO session_inbox (session_id, created_at, user_id, channel_id, min_expires_at)
          SELECT NEW.id, NEW.created_at, NEW.user_id, NEW.channel_id,
            (SELECT min(json_extract(value, '$.expiresAt')) FROM json_each(NEW.record, '$.inputRequests'))
          WHERE json_type(NEW.record, '$.inputRequests') = 'array' AND json_array_length(NEW.record, '$.inputRequests') > 0;`;
      const row = `DELETE FROM session_inbox WHERE session_id = NEW.id;
          DELETE FROM session_inbox_tags WHERE session_id = NEW.id; ${pick} ${tags}`;
      db.exec(`
        CREATE TABLE session_inbox_tags (
          tag TEXT NOT NULL,
          created_at TEXT NOT NULL,
          session_id TEXT NOT NULL,
          PRIMARY KEY (tag, created_at DESC, session_id DESC)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX session_inbox_tags_by_session ON session_inbox_tags (session_id);
        ${backfill}
        DROP TRIGGER session_inbox_insert;
        DROP TRIGGER session_inbox_update;
        DROP TRIGGER session_inbox_delete;
        CREATE TRIGGER session_inbox_insert AFTER INSERT ON sessions WHEN json_valid(NEW.record) BEGIN ${row}
        END;
        CREATE TRIGGER session_inbox_update AFTER UPDATE OF record, user_id, channel_id, created_at ON sessions
          WHEN json_valid(NEW.record) BEGIN ${row}
        END;
        CREATE TRIGGER session_inbox_delete AFTER DELETE ON sessions BEGIN
          DELETE FROM session_inbox WHERE session_id = OLD.id;
          DELETE FROM session_inbox_tags WHERE session_id = OLD.id;
        END;
      `);
    },
  },
];

/**
 * Up to this size an existing file is converted to auto_vacuum INCREMENTAL by migrate() (a
 * VACUUM rewrites the whole file under the write lock: about a second per ~100 MB on this
 * class of machine, so 64 MiB keeps an upgrade's pause under a second). A larger file keeps
 * auto_vacuum NONE, where freed pages stay in the file for reuse, until convertAutoVacuum(db)
 * runs in a maintenance window.
 */
export const VACUUM_ON_MIGRATE_BYTES = 64 * 1024 * 1024;

/** True when freed pages go back to the file system on `PRAGMA incremental_vacuum`. */
export function hasIncrementalVacuum(db: SqliteDatabase): boolean {
  return db.pragma("auto_vacuum", { simple: true }) === 2;
}

/**
 * Converts a database to auto_vacuum INCREMENTAL with one VACUUM (it rewrites the file and
 * waits for, then blocks, every other writer while it runs); a no-op when it already is.
 */
export function convertAutoVacuum(db: SqliteDatabase): void {
  if (hasIncrementalVacuum(db)) return;
  db.pragma("auto_vacuum = INCREMENTAL");
  db.exec("VACUUM");
}

/** The schema version this release writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The schema version recorded in the database (0 for a database sessionkit never touched). */
export function readSchemaVersion(db: SqliteDatabase): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessionkit_migrations'")
    .get();
  if (table === undefined) return 0;
  const row = db.prepare("SELECT MAX(version) AS version FROM sessionkit_migrations").get() as {
    version: number | null;
  };
  return row.version ?? 0;
}

function refuseNewer(db: SqliteDatabase, found: number): SessionKitError {
  return new SessionKitError(
    "ERR_UNSUPPORTED_SCHEMA",
    `[${STORE_NAME}] Expected the database ${JSON.stringify(db.name)} to have schema version ${LATEST_SCHEMA_VERSION} or older, got ${found}. A newer release of @sessionkit/store-sqlite wrote it; upgrade this package (nothing was changed).`,
    { details: { found, supported: LATEST_SCHEMA_VERSION, filename: db.name } },
  );
}

/**
 * Brings the schema up to `target` (default: the latest), each missing step inside one
 * BEGIN IMMEDIATE transaction, so two processes opening an old database at once apply it once.
 * A database newer than this release is refused with ERR_UNSUPPORTED_SCHEMA and left untouched.
 */
export function migrate(db: SqliteDatabase, target: number = LATEST_SCHEMA_VERSION): number {
  const seen = readSchemaVersion(db);
  if (seen > LATEST_SCHEMA_VERSION) throw refuseNewer(db, seen);
  if (seen >= target) return seen;
  // Takes effect only before the file's first page is written: a new database gets it for free.
  if (seen === 0 && target >= 9) db.pragma("auto_vacuum = INCREMENTAL");
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(
      "CREATE TABLE IF NOT EXISTS sessionkit_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    );
    const current = readSchemaVersion(db);
    if (current > LATEST_SCHEMA_VERSION) throw refuseNewer(db, current);
    const record = db.prepare("INSERT INTO sessionkit_migrations (version, applied_at) VALUES (?, ?)");
    for (const migration of MIGRATIONS) {
      if (migration.version <= current || migration.version > target) continue;
      migration.up(db);
      record.run(migration.version, new Date().toISOString());
    }
    db.exec("COMMIT");
  } catch (error) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw error;
  }
  if (seen < 9 && target >= 9 && !db.memory && !hasIncrementalVacuum(db)) {
    const bytes =
      Number(db.pragma("page_count", { simple: true })) * Number(db.pragma("page_size", { simple: true }));
    if (bytes <= VACUUM_ON_MIGRATE_BYTES) db.exec("VACUUM");
  }
  return Math.max(seen, target);
}
