import {
  isSessionKitError,
  type Session,
  type SessionEvent,
  type SessionKitError,
} from "@sessionkit/core/driver";
import type { SqliteDatabase, SqliteStatement } from "./database.js";
import { type EventRow, ROW_SELECT, type SessionRow, toEvents } from "./session-rows.js";

/** What the batch operations use of the driver: its statement cache and record decoder. */
export interface BatchParts {
  db: SqliteDatabase;
  prepared(sql: string): SqliteStatement;
  decode(id: string, row: SessionRow): Session;
  /** Puts the session's operation entries (session_operations, schema 11) on it, as get() does. */
  attachOperations(id: string, session: Session): void;
}

// Ids go in as one JSON array (json_each): one statement whatever the batch size, where a list of
// `?` per id would be a new statement (and a new prepare) for every size met.
const SESSIONS_OF = `SELECT id, ${ROW_SELECT} FROM sessions WHERE id IN (SELECT value FROM json_each(?))`;
const EVENTS_OF =
  "SELECT session_id, seq, timestamp, type, data FROM events WHERE session_id IN (SELECT value FROM json_each(?)) ORDER BY session_id, seq";

type Read = { session: Session; events: SessionEvent[] } | null | SessionKitError;

/**
 * The driver's readMany: two queries for the whole batch (sessions, then every event of them in
 * key order) inside one read transaction, so both see one snapshot and no writer is held up (WAL
 * readers take no write lock). Retention read 100,000 sessions one at a time (two statements and
 * a round of the wrapper each): this is one pair of statements per 500.
 */
export function readMany(parts: BatchParts, ids: string[]): Read[] {
  const { db, prepared, decode } = parts;
  const json = JSON.stringify(ids);
  const own = !db.inTransaction;
  if (own) db.exec("BEGIN");
  let rows: Array<SessionRow & { id: string }>;
  let eventRows: Array<EventRow & { session_id: string }>;
  try {
    rows = prepared(SESSIONS_OF).all(json) as Array<SessionRow & { id: string }>;
    eventRows = prepared(EVENTS_OF).all(json) as Array<EventRow & { session_id: string }>;
  } finally {
    if (own && db.inTransaction) db.exec("COMMIT");
  }
  const byId = new Map(rows.map((row) => [row.id, row]));
  const eventsOf = new Map<string, EventRow[]>();
  for (const row of eventRows) {
    const list = eventsOf.get(row.session_id);
    if (list === undefined) eventsOf.set(row.session_id, [row]);
    else list.push(row);
  }
  return ids.map((id) => {
    const row = byId.get(id);
    if (row === undefined) return null;
    try {
      const session = decode(id, row);
      parts.attachOperations(id, session);
      const events = eventsOf.get(id) ?? [];
      return {
        session,
        events: events.length === 0 ? [] : toEvents(id, events).slice(0, session.eventCount),
      };
    } catch (error) {
      if (isSessionKitError(error)) return error;
      throw error;
    }
  });
}

const DELETE_EVENTS_OF = "DELETE FROM events WHERE session_id IN (SELECT value FROM json_each(?))";
const DELETE_METADATA_OF =
  "DELETE FROM session_metadata WHERE session_id IN (SELECT value FROM json_each(?))";
const DELETE_OPERATIONS_OF =
  "DELETE FROM session_operations WHERE session_id IN (SELECT value FROM json_each(?))";
const DELETE_SESSIONS_OF = "DELETE FROM sessions WHERE id IN (SELECT value FROM json_each(?))";

/**
 * The driver's deleteBatch, inside the caller's write transaction: one read of every row, each
 * check on its decoded session, then three set-wise DELETEs for the sessions that passed. Per
 * session (a SELECT and three DELETEs each) a chunk of 500 took 70 ms of writer hold under load 9
 * on this 2-core machine, 48 of them in the DELETE statements; see the retention bench row.
 */
export function deleteMany(
  parts: BatchParts,
  items: Array<{ id: string; check: (current: Session) => void }>,
  forget: (id: string) => void,
): Array<boolean | SessionKitError> {
  const { prepared, decode } = parts;
  const rows = prepared(SESSIONS_OF).all(JSON.stringify(items.map((item) => item.id))) as Array<
    SessionRow & { id: string }
  >;
  const byId = new Map(rows.map((row) => [row.id, row]));
  const gone = new Set<string>();
  const results = items.map(({ id, check }) => {
    const row = byId.get(id);
    if (row === undefined || gone.has(id)) return false;
    try {
      check(decode(id, row));
    } catch (error) {
      if (isSessionKitError(error)) return error;
      throw error;
    }
    gone.add(id);
    return true;
  });
  if (gone.size > 0) {
    const json = JSON.stringify([...gone]);
    prepared(DELETE_EVENTS_OF).run(json);
    prepared(DELETE_METADATA_OF).run(json);
    prepared(DELETE_OPERATIONS_OF).run(json);
    prepared(DELETE_SESSIONS_OF).run(json);
    for (const id of gone) forget(id);
  }
  return results;
}
