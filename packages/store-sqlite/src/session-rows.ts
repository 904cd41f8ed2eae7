import {
  decodeRecord,
  encodeRecord,
  errors,
  parseStoredJson,
  type Session,
  type SessionEvent,
} from "@sessionkit/core/driver";
import { encodeText, toMinute } from "./encoding.js";
import { STORE_NAME as name } from "./errors.js";

export interface SessionRow {
  record: string;
  version: number;
  event_count: number;
  updated_at: string;
  status: Session["status"];
  iterations: number;
}

/** The columns a session is read from: the record and the fields its columns hold authoritatively. */
export const ROW_SELECT = "record, version, event_count, updated_at, status, iterations";

export interface EventRow {
  seq: number | null;
  timestamp: string;
  type: string;
  data: string;
}

/** The sessions columns a session is written to, besides id. */
export const COLUMNS = [
  "user_id",
  "channel_id",
  "mode",
  "status",
  "created_at",
  "updated_at",
  "updated_minute",
  "iterations",
  "event_count",
  "record",
  "version",
] as const;

/**
 * Fields whose columns are the truth (schema 3): a commit that changes only these rewrites a few
 * small columns, never the JSON record, which keeps their values as of its last rewrite.
 */
const COLUMN_FIELDS = new Set(["version", "eventCount", "updatedAt", "status", "iterations"]);

/** Column values derived from a session, in the order of COLUMNS. */
export function columnValues(session: Session): unknown[] {
  return [
    session.userId === undefined ? null : encodeText(session.userId),
    session.channelId === undefined ? null : encodeText(session.channelId),
    encodeText(session.mode),
    session.status,
    session.createdAt,
    session.updatedAt,
    toMinute(session.updatedAt),
    session.iterations,
    session.eventCount,
    JSON.stringify(encodeRecord(session)),
    session.version,
  ];
}

/** True when `next` differs from `current` in a field only the JSON record holds. */
function recordFieldsDiffer(current: Session, next: Session): boolean {
  const a = current as unknown as Record<string, unknown>;
  const b = next as unknown as Record<string, unknown>;
  for (const key in b) if (!COLUMN_FIELDS.has(key) && a[key] !== b[key]) return true;
  for (const key in a) if (!COLUMN_FIELDS.has(key) && !(key in b)) return true;
  return false;
}

/**
 * Which columns of a session row a commit changes, and their new values (in COLUMNS order). An
 * events-only append writes version, event_count and updated_at (updated_minute once a minute);
 * the record is serialised and written only when a field outside the columns changed.
 */
export function changedColumns(
  current: Session,
  next: Session,
): { mask: number; values: unknown[]; record: string | undefined } {
  let mask = 0;
  const values: unknown[] = [];
  const put = (index: number, value: unknown) => {
    mask |= 1 << index;
    values.push(value);
  };
  const rewrite = recordFieldsDiffer(current, next);
  if (next.userId !== current.userId) put(0, next.userId === undefined ? null : encodeText(next.userId));
  if (next.channelId !== current.channelId)
    put(1, next.channelId === undefined ? null : encodeText(next.channelId));
  if (next.mode !== current.mode) put(2, encodeText(next.mode));
  if (next.status !== current.status) put(3, next.status);
  if (next.createdAt !== current.createdAt) put(4, next.createdAt);
  if (next.updatedAt !== current.updatedAt) {
    put(5, next.updatedAt);
    const minute = toMinute(next.updatedAt);
    if (minute !== toMinute(current.updatedAt)) put(6, minute);
  }
  if (next.iterations !== current.iterations) put(7, next.iterations);
  if (next.eventCount !== current.eventCount) put(8, next.eventCount);
  const record = rewrite ? JSON.stringify(encodeRecord(next)) : undefined;
  if (record !== undefined) put(9, record);
  if (next.version !== current.version) put(10, next.version);
  return { mask, values, record };
}

/** Parses stored records of one connection into sessions; fails closed on anything damaged. */
export interface RecordDecoder {
  /** The session a row holds: its record, with the fields the columns hold taken from them. */
  decode(id: string, row: SessionRow): Session;
  /** Notes a row as this handle wrote it, so reading it back skips schema validation. */
  remember(id: string, row: SessionRow): void;
  /** The row this handle last wrote for `id`, if it is still remembered. */
  recall(id: string): SessionRow | undefined;
  forget(id: string): void;
}

/** The row a session is stored as, given the record text the row holds. */
export function rowOf(session: Session, record: string): SessionRow {
  return {
    record,
    version: session.version,
    event_count: session.eventCount,
    updated_at: session.updatedAt,
    status: session.status,
    iterations: session.iterations,
  };
}

/** A decoder that validates every record it did not write itself (keeps zod off the append path). */
export function createRecordDecoder(): RecordDecoder {
  // Rows this handle wrote, by id; an identical record text read back was valid when written. Bounded.
  const written = new Map<string, SessionRow>();
  const remember = (id: string, row: SessionRow) => {
    written.delete(id);
    if (row.record.length > 65_536) return;
    if (written.size >= 1_000) written.delete(written.keys().next().value as string);
    written.set(id, row);
  };

  function decode(id: string, row: SessionRow): Session {
    const session = decodeText(id, row.record);
    session.version = row.version;
    session.eventCount = row.event_count;
    session.updatedAt = row.updated_at;
    session.status = row.status;
    session.iterations = row.iterations;
    return session;
  }

  function decodeText(id: string, text: string): Session {
    const raw = parseStoredJson(text, id, name, "the stored record");
    if (written.get(id)?.record === text) {
      // A rest copy, not `delete`: deleting a key turns the object into a slow dictionary, and the
      // plan's spread and the column diff then cost ~5 µs more per append (measured).
      const { schemaVersion: _, ...session } = raw as Session & { schemaVersion?: number };
      return session;
    }
    return decodeRecord(raw, id, name).session;
  }

  return { decode, remember, recall: (id) => written.get(id), forget: (id) => void written.delete(id) };
}

/** Turns joined event rows into events; a session with no row at all does not exist. */
export function toEvents(id: string, rows: EventRow[]): SessionEvent[] {
  if (rows.length === 0) throw errors.notFound(name, id);
  const events: SessionEvent[] = [];
  for (const row of rows) {
    if (row.seq === null) continue;
    let data: unknown;
    try {
      data = JSON.parse(row.data);
    } catch (error) {
      throw errors.corrupt(name, id, `event ${row.seq} holds invalid JSON`, error);
    }
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      throw errors.corrupt(name, id, `event ${row.seq} data is not a JSON object`);
    }
    events.push({
      seq: row.seq,
      timestamp: row.timestamp,
      type: row.type,
      data: data as SessionEvent["data"],
    });
  }
  return events;
}
