import {
  type CommitPlan,
  checkReplaced,
  collectInbox,
  collectPage,
  errors,
  foldStats,
  planImportMany,
  type Session,
  type SessionEvent,
  type SessionStatus,
  type StoreCapabilities,
  type StoreDriver,
  toSummary,
} from "@sessionkit/core/driver";
import { deleteMany, readMany } from "./batch-ops.js";
import type { SqliteDatabase, SqliteStatement } from "./database.js";
import { metadataIndexRows } from "./encoding.js";
import { STORE_NAME as name, translateError } from "./errors.js";
import { hasIncrementalVacuum } from "./migrations.js";
import { createOperationRows, type JoinedOperation } from "./operation-rows.js";
import {
  COLUMNS,
  changedColumns,
  columnValues,
  createRecordDecoder,
  type EventRow,
  ROW_SELECT,
  rowOf,
  type SessionRow,
  toEvents,
} from "./session-rows.js";
import { countSql, inboxSql, listSql, pruneWhere, statsSql } from "./sql-filter.js";
import { createTransactor } from "./transactions.js";

export interface SqliteDriverConfig {
  db: SqliteDatabase;
  /** Close the database in close() (true when the store opened it). */
  ownsDatabase: boolean;
  capabilities: StoreCapabilities;
  busyTimeoutMs: number;
}

/** Pages one incremental_vacuum after a batch gives back at most (16 MiB at 4 KiB pages): a bounded writer hold. */
const RECLAIM_PAGES = 4096;

/** The SQLite StoreDriver: synchronous, every read-modify-write in one BEGIN IMMEDIATE transaction. */
export function createSqliteDriver(config: SqliteDriverConfig): StoreDriver {
  const { db, busyTimeoutMs } = config;
  const tx = createTransactor(db);
  // One statement cache for everything: fixed statements, per-mask updates and filter shapes.
  const cache = new Map<string, SqliteStatement>();
  const prepared = (sql: string): SqliteStatement => {
    let statement = cache.get(sql);
    if (!statement) {
      // Filter shapes are few; the bound only guards against pathological metadata-key churn.
      if (cache.size > 500) cache.clear();
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };

  const SELECT_ROW = `SELECT ${ROW_SELECT} FROM sessions WHERE id = ?`;
  const INSERT_SESSION = `INSERT INTO sessions (id, ${COLUMNS.join(", ")}) VALUES (?, ${COLUMNS.map(() => "?").join(", ")})`;
  const INSERT_EVENT = "INSERT INTO events (session_id, seq, timestamp, type, data) VALUES (?, ?, ?, ?, ?)";
  const SELECT_EVENTS =
    "SELECT e.seq, e.timestamp, e.type, e.data FROM sessions s LEFT JOIN events e ON e.session_id = s.id AND e.seq BETWEEN ? AND ? WHERE s.id = ? ORDER BY e.seq";
  const SELECT_LAST_EVENTS =
    "SELECT e.seq, e.timestamp, e.type, e.data FROM sessions s LEFT JOIN events e ON e.session_id = s.id WHERE s.id = ? ORDER BY e.seq DESC LIMIT ?";

  const incremental = !db.memory && hasIncrementalVacuum(db);
  const UPSERT_LEASE =
    "INSERT INTO sessionkit_leases (name, holder) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder";

  function run<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw translateError(error, what, busyTimeoutMs);
    }
  }

  const { decode, remember, recall, forget } = createRecordDecoder();
  const operations = createOperationRows(prepared);
  // One statement, so the session and its entry come from one snapshot.
  const SELECT_ROW_WITH_OPERATION = `SELECT ${ROW_SELECT.split(", ")
    .map((column) => `s.${column}`)
    .join(", ")}, o.digest AS op_digest, o.version AS op_version, o.result AS op_result
    FROM sessions s LEFT JOIN session_operations o ON o.session_id = s.id AND o.operation_id = ? WHERE s.id = ?`;

  const batch = {
    db,
    prepared,
    decode,
    attachOperations(id: string, session: Session) {
      const map = operations.readAll(id);
      if (map !== undefined) session.operations = map;
    },
  };

  /** The session as its row holds it: without its operation entries (they live in session_operations). */
  function readSession(id: string): Session | null {
    const row = prepared(SELECT_ROW).get(id) as SessionRow | undefined;
    return row === undefined ? null : decode(id, row);
  }

  /** The session with the entry of `operationId` only (see StoreDriver.getForOperation). */
  function readForOperation(id: string, operationId: string): Session | null {
    const row = prepared(SELECT_ROW_WITH_OPERATION).get(operationId, id) as
      | (SessionRow & JoinedOperation)
      | undefined;
    if (row === undefined) return null;
    const session = decode(id, row);
    const entry = operations.answered(id, operationId, row);
    if (entry !== undefined) session.operations = { [operationId]: entry };
    return session;
  }

  // The SET list of an update, by mask of changed columns (few masks occur) and whether it is
  // guarded: applied only if the row is still exactly the one this handle last wrote.
  const GUARD =
    " AND version = ? AND event_count = ? AND updated_at = ? AND status = ? AND iterations = ? AND record = ?";
  const updateSql: string[] = [];
  function updateStatement(mask: number, guarded: boolean): SqliteStatement {
    const key = mask * 2 + (guarded ? 1 : 0);
    let sql = updateSql[key];
    if (sql === undefined) {
      const set = COLUMNS.filter((_, i) => mask & (1 << i)).map((column) => `${column} = ?`);
      sql = `UPDATE sessions SET ${set.join(", ")} WHERE id = ?${guarded ? GUARD : ""}`;
      updateSql[key] = sql;
    }
    return prepared(sql);
  }

  /**
   * Writes what `plan` decided from `current`, the session `row` holds. With `guard`, the update
   * applies only if the row is still `row`; false then means nothing was written.
   */
  function write(id: string, current: Session, plan: CommitPlan, row: SessionRow, guard: boolean): boolean {
    const { next, events } = plan;
    const replaced = plan.replaceOperations !== undefined;
    const { mask, values, record } = changedColumns(current, replaced ? withoutOperations(next) : next);
    if (guard) {
      if (mask === 0) return false;
      const { version, event_count, updated_at, status, iterations } = row;
      const guarded = updateStatement(mask, true).run(
        ...values,
        id,
        version,
        event_count,
        updated_at,
        status,
        iterations,
        row.record,
      );
      if (guarded.changes === 0) return false;
    } else if (mask !== 0) updateStatement(mask, false).run(...values, id);
    writeEvents(id, events);
    if (replaced) operations.replace(id, plan.replaceOperations ?? undefined);
    if (plan.operation !== undefined) operations.record(id, plan.operation);
    operations.trimAt(id, next.version);
    remember(id, rowOf(next, record ?? row.record));
    if (next.metadata !== current.metadata) {
      prepared("DELETE FROM session_metadata WHERE session_id = ?").run(id);
      writeMetadata(id, next.metadata);
    }
    return true;
  }

  /**
   * The append path: plans from the row this handle last wrote and writes it with one guarded
   * UPDATE (no SELECT, no validation of the record). Undefined when the row changed meanwhile
   * (another handle or process) or the plan refused: the caller then reads the row and plans
   * again, which a pure plan allows, so an error it throws is the one the fresh state gives.
   */
  function commitFromKnown(id: string, known: SessionRow, plan: (current: Session) => CommitPlan) {
    const current = decode(id, known);
    let planned: CommitPlan;
    try {
      planned = plan(current);
    } catch {
      return undefined;
    }
    return write(id, current, planned, known, true) ? planned.next : undefined;
  }

  function writeEvents(id: string, events: SessionEvent[]): void {
    const insertEvent = prepared(INSERT_EVENT);
    for (const event of events)
      insertEvent.run(id, event.seq, event.timestamp, event.type, JSON.stringify(event.data));
  }

  function writeMetadata(id: string, metadata: unknown): void {
    const insert = prepared("INSERT INTO session_metadata (session_id, key, value) VALUES (?, ?, ?)");
    for (const [key, value] of metadataIndexRows(metadata)) insert.run(id, key, value);
  }

  /** Writes a new session's row, events and metadata index (the id is free). */
  function persist(session: Session, events: SessionEvent[]): void {
    const values = columnValues(withoutOperations(session));
    prepared(INSERT_SESSION).run(session.id, ...values);
    remember(session.id, rowOf(session, values[COLUMNS.indexOf("record")] as string));
    writeEvents(session.id, events);
    writeMetadata(session.id, session.metadata);
    if (session.operations !== undefined) operations.replace(session.id, session.operations);
  }

  function removeSession(id: string): boolean {
    prepared("DELETE FROM events WHERE session_id = ?").run(id);
    prepared("DELETE FROM session_metadata WHERE session_id = ?").run(id);
    operations.remove(id);
    forget(id);
    return prepared("DELETE FROM sessions WHERE id = ?").run(id).changes > 0;
  }

  return {
    name,
    capabilities: config.capabilities,

    insert(session, events, { overwrite, check }) {
      run(`create session "${session.id}"`, () =>
        tx.write(() => {
          if (prepared(SELECT_ROW).get(session.id) !== undefined) {
            if (!overwrite) throw errors.exists(name, session.id);
            checkReplaced(() => readSession(session.id), check);
            removeSession(session.id);
          }
          persist(session, events);
        }),
      );
    },

    // One transaction for the whole batch: a commit (its WAL sync) per session was most of an
    // import's time. The decisions come first, so a record that stops the batch wrote nothing.
    importMany(records, options) {
      return run("import sessions", () =>
        tx.write(() => {
          const plan = planImportMany(name, records, options, (id) => {
            const row = prepared(SELECT_ROW).get(id) as SessionRow | undefined;
            return row === undefined ? undefined : () => decode(id, row);
          });
          for (const id of plan.replaced) removeSession(id);
          for (const { session, events } of plan.writes) persist(session, events);
          return { outcomes: plan.outcomes, ...(plan.error === undefined ? {} : { error: plan.error }) };
        }),
      );
    },

    get(id) {
      return run(`read session "${id}"`, () => {
        const session = readSession(id);
        if (session === null) return null;
        const map = operations.readAll(id);
        if (map !== undefined) session.operations = map;
        return session;
      });
    },

    getForOperation(id, operationId) {
      return run(`read session "${id}"`, () =>
        operationId === undefined ? readSession(id) : readForOperation(id, operationId),
      );
    },

    commit(id, plan) {
      return run(`commit to session "${id}"`, () =>
        tx.write(() => {
          const known = recall(id);
          const fast = known === undefined ? undefined : commitFromKnown(id, known, plan);
          if (fast !== undefined) return fast;
          const row = prepared(SELECT_ROW).get(id) as SessionRow | undefined;
          if (row === undefined) throw errors.notFound(name, id);
          const current = decode(id, row);
          const planned = plan(current);
          write(id, current, planned, row, false);
          return planned.next;
        }),
      );
    },

    readEvents(id, fromSeq, toSeq) {
      return run(`read the events of session "${id}"`, () =>
        toEvents(
          id,
          prepared(SELECT_EVENTS).all(fromSeq, toSeq ?? Number.MAX_SAFE_INTEGER, id) as EventRow[],
        ),
      );
    },

    readLastEvents(id, count) {
      return run(`read the events of session "${id}"`, () =>
        toEvents(id, prepared(SELECT_LAST_EVENTS).all(id, count) as EventRow[]).reverse(),
      );
    },

    list(filter, after, limit) {
      type Row = SessionRow & { id: string; created_at: string };
      return run("list sessions", () =>
        collectPage<Row>(
          {
            fetch: (position, want) => {
              const query = listSql(filter, position);
              return prepared(query.sql).all(...query.params, want) as Row[];
            },
            position: (row) => ({ createdAt: row.created_at, id: row.id }),
            summary: (row) => toSummary(decode(row.id, row)),
          },
          after,
          limit,
        ),
      );
    },

    listAwaitingInput(filter, after, limit) {
      type Row = SessionRow & { id: string; created_at: string };
      // session_inbox narrows to the sessions with open requests (and a bound on their earliest
      // expiry); core decides the exact request-level match on the decoded record.
      return run("list the awaiting-input inbox", () =>
        collectInbox<Row>(
          {
            fetch: (position, want) => {
              const query = inboxSql(filter, position);
              return prepared(query.sql).all(...query.params, want) as Row[];
            },
            position: (row) => ({ createdAt: row.created_at, id: row.id }),
            session: (row) => decode(row.id, row),
          },
          filter,
          after,
          limit,
        ),
      );
    },

    stats(filter) {
      return run("compute statistics", () => {
        const query = statsSql(filter);
        const rows = prepared(query.sql).all(...query.params) as Array<{
          status: SessionStatus;
          mode: string;
          n: number;
          iterations: number;
          events: number;
        }>;
        return foldStats(
          rows.map((row) => ({
            status: row.status,
            mode: JSON.parse(row.mode) as string,
            count: row.n,
            iterations: row.iterations,
            events: row.events,
          })),
        );
      });
    },

    count(filter) {
      return run("count sessions", () => {
        const query = countSql(filter);
        return (prepared(query.sql).get(...query.params) as { n: number }).n;
      });
    },

    delete(id, check) {
      return run(`delete session "${id}"`, () =>
        tx.write(() => {
          if (check) {
            const current = readSession(id);
            if (current === null) return false;
            check(current);
          }
          return removeSession(id);
        }),
      );
    },

    prune(statuses, before, dryRun) {
      return run("prune sessions", () => {
        const { sql: match, params } = pruneWhere(statuses, before);
        const select = () =>
          (
            prepared(`SELECT id FROM sessions WHERE ${match} ORDER BY id`).all(...params) as Array<{
              id: string;
            }>
          ).map((row) => row.id);
        if (statuses.length === 0) return [];
        if (dryRun) return select();
        return tx.write(() => {
          const ids = select();
          if (ids.length === 0) return ids;
          const inner = `SELECT id FROM sessions WHERE ${match}`;
          prepared(`DELETE FROM events WHERE session_id IN (${inner})`).run(...params);
          prepared(`DELETE FROM session_metadata WHERE session_id IN (${inner})`).run(...params);
          prepared(`DELETE FROM session_operations WHERE session_id IN (${inner})`).run(...params);
          prepared(`DELETE FROM sessions WHERE ${match}`).run(...params);
          return ids;
        });
      });
    },

    readMany(ids) {
      return run(`read ${ids.length} sessions`, () => readMany(batch, ids));
    },

    deleteBatch(items) {
      const results = run(`delete ${items.length} sessions`, () =>
        tx.write(() => deleteMany(batch, items, forget)),
      );
      // A separate, short write: the pages this batch freed go back to the file system now, so a
      // retention run shrinks the file as it goes (a no-op on a file without incremental vacuum).
      if (incremental)
        run("give freed pages back", () => db.exec(`PRAGMA incremental_vacuum(${RECLAIM_PAGES})`));
      return results;
    },

    swapLease(leaseName, expected, next) {
      return run(`swap the "${leaseName}" lease`, () =>
        tx.write(() => {
          const row = prepared("SELECT holder FROM sessionkit_leases WHERE name = ?").get(leaseName) as
            | { holder: string }
            | undefined;
          const current = row?.holder ?? null;
          if (current !== expected) return { swapped: false, current };
          if (next === null) prepared("DELETE FROM sessionkit_leases WHERE name = ?").run(leaseName);
          else prepared(UPSERT_LEASE).run(leaseName, next);
          return { swapped: true, current: next };
        }),
      );
    },

    close() {
      if (config.ownsDatabase && db.open) db.close();
    },
  };
}

/** The session without its operations map (a rest copy only when it has one). */
function withoutOperations(session: Session): Session {
  if (session.operations === undefined) return session;
  const { operations: _apart, ...rest } = session;
  return rest;
}
