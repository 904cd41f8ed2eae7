// The raw primitive under each adapter's append: the least work that stores one event durably enough to
// compare with. Each one lays out K "sessions" pre-filled with n events, like the append workload.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { makeEvents } from "./data.mjs";

const require = createRequire(import.meta.url);

const line = (seq, data) =>
  `${JSON.stringify({ seq, timestamp: new Date().toISOString(), type: "tool_call", data })}\n`;

/**
 * Locked JSONL append: proper-lockfile lock, append one line, unlock; `fsync` adds an fdatasync of the
 * log (to match a store that flushes every append). `lockOptions` are those the fs store uses.
 * `lock: false` drops the lock: the bare append (+ fdatasync) alone, the floor of any fs append.
 */
export function createLockedAppend(dir, { fsync = false, lockOptions = {}, lock = true } = {}) {
  const lockfile = lock
    ? require("proper-lockfile")
    : { lockSync() {}, unlockSync() {}, lock: async () => async () => {} };
  fs.mkdirSync(dir, { recursive: true });
  const sessions = [];
  return {
    /** K session folders at history n; returns their handles. */
    reset(k, n) {
      fs.rmSync(dir, { recursive: true, force: true });
      sessions.length = 0;
      const history = makeEvents(n)
        .map((e) => `${JSON.stringify(e)}\n`)
        .join("");
      for (let j = 0; j < k; j++) {
        const d = path.join(dir, `s${j}`);
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, "session.json"), "{}");
        fs.writeFileSync(path.join(d, "events.jsonl"), history);
        sessions.push({ dir: d, log: path.join(d, "events.jsonl"), seq: n });
      }
      return sessions;
    },
    appendSync(j, data) {
      const s = sessions[j];
      lockfile.lockSync(s.dir, lockOptions);
      try {
        if (fsync) {
          const fd = fs.openSync(s.log, "a");
          try {
            fs.writeSync(fd, line(++s.seq, data));
            fs.fdatasyncSync(fd);
          } finally {
            fs.closeSync(fd);
          }
        } else fs.appendFileSync(s.log, line(++s.seq, data));
      } finally {
        lockfile.unlockSync(s.dir, lockOptions);
      }
    },
    async appendAsync(j, data) {
      const s = sessions[j];
      const release = await lockfile.lock(s.dir, lockOptions);
      try {
        const fh = await fs.promises.open(s.log, "a");
        try {
          await fh.write(line(++s.seq, data));
          if (fsync) await fh.datasync();
        } finally {
          await fh.close();
        }
      } finally {
        await release();
      }
    },
    close() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The least an in-memory store does per append: copy the caller's event in (structuredClone) and
 * push it onto the session's array, with a new timestamp. No validation, no versions, no copy out.
 */
export function createBareMemory() {
  const sessions = [];
  return {
    reset(k, n) {
      sessions.length = 0;
      for (let j = 0; j < k; j++) sessions.push({ events: makeEvents(n) });
    },
    appendSync(j, data) {
      const events = sessions[j].events;
      const at = new Date().toISOString();
      events.push({ seq: events.length + 1, timestamp: at, type: "tool_call", data: structuredClone(data) });
    },
  };
}

/** The bare SQLite primitive's table and statement (also used by bench/profile/sqlite-pages.mjs). */
export const BARE_TABLE = `CREATE TABLE IF NOT EXISTS events (
    session_id TEXT NOT NULL, seq INTEGER NOT NULL, timestamp TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)) WITHOUT ROWID`;
export const BARE_INSERT =
  "INSERT INTO events (session_id, seq, timestamp, type, data) VALUES (?, ?, ?, ?, ?)";

/** Bare prepared INSERT of one event row (autocommit), WAL, with the store's synchronous level. */
export function createBareSqlite(filename, { synchronous = "NORMAL" } = {}) {
  const Database = require("better-sqlite3");
  const db = new Database(filename);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(BARE_TABLE);
  const insert = db.prepare(BARE_INSERT);
  const sessions = [];
  return {
    synchronous: db.pragma("synchronous", { simple: true }),
    reset(k, n) {
      db.exec("DELETE FROM events");
      sessions.length = 0;
      const history = makeEvents(n);
      db.transaction(() => {
        for (let j = 0; j < k; j++) {
          const id = `s${j}`;
          for (const e of history) insert.run(id, e.seq, e.timestamp, e.type, JSON.stringify(e.data));
          sessions.push({ id, seq: n });
        }
      })();
      // The setup's rows are checkpointed now, not by the timed inserts.
      db.pragma("wal_checkpoint(TRUNCATE)");
      return sessions;
    },
    appendSync(j, data) {
      const s = sessions[j];
      insert.run(s.id, ++s.seq, new Date().toISOString(), "tool_call", JSON.stringify(data));
    },
    close() {
      db.close();
      for (const f of [filename, `${filename}-wal`, `${filename}-shm`]) fs.rmSync(f, { force: true });
    },
  };
}

/** Bare INSERT round-trip to PostgreSQL: one named prepared statement, autocommit, one event row. */
export async function createBarePg(connectionString, schema) {
  const pg = require("pg");
  const client = new pg.Client({ connectionString });
  await client.connect();
  await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await client.query(`CREATE TABLE IF NOT EXISTS "${schema}".events (
    session_id TEXT NOT NULL, seq INTEGER NOT NULL, timestamp TIMESTAMPTZ NOT NULL, type TEXT NOT NULL, data JSONB NOT NULL,
    PRIMARY KEY (session_id, seq))`);
  const text = `INSERT INTO "${schema}".events (session_id, seq, timestamp, type, data) VALUES ($1, $2, $3, $4, $5)`;
  const sessions = [];
  return {
    /** The server backend's pid (bench/profile/pg-append.mjs reads its CPU time). */
    pid: async () => (await client.query("SELECT pg_backend_pid() AS p")).rows[0].p,
    async reset(k, n) {
      await client.query(`TRUNCATE "${schema}".events`);
      sessions.length = 0;
      const history = makeEvents(n);
      for (let j = 0; j < k; j++) {
        const id = `s${j}`;
        await client.query(
          `INSERT INTO "${schema}".events (session_id, seq, timestamp, type, data)
           SELECT $1, e.seq, e.timestamp, e.type, e.data FROM jsonb_to_recordset($2::jsonb)
           AS e(seq int, timestamp timestamptz, type text, data jsonb)`,
          [id, JSON.stringify(history)],
        );
        sessions.push({ id, seq: n });
      }
      return sessions;
    },
    async appendAsync(j, data) {
      const s = sessions[j];
      await client.query({
        name: "bare-insert",
        text,
        values: [s.id, ++s.seq, new Date().toISOString(), "tool_call", JSON.stringify(data)],
      });
    },
    async close() {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

/** Checkpoints (and truncates) the WAL of a SQLite file from a side connection, so a timed loop does not pay for setup writes. */
export function checkpointSqliteFile(filename) {
  const Database = require("better-sqlite3");
  const db = new Database(filename);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}
