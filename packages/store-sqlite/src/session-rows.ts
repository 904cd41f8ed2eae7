import { decodeRecord, encodeRecord, errors, type Session, type SessionEvent } from "@sessionkit/core/driver";
import { encodeText, toMinute } from "./encoding.js";
import { STORE_NAME as name } from "./errors.js";

/** Stands for "differs" where comparing the raw values is cheaper than encoding them. */
const CHANGED = Symbol("changed");

export interface SessionRow {
  record: string;
}

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
] as const;

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
  ];
}

/**
 * Which columns of a session row a commit changes, and their new values. Only changed columns are
 * written, so an append does not touch the indexes of columns it leaves alone.
 */
export function changedColumns(
  current: Session,
  currentRecord: string,
  next: Session,
): { mask: number; values: unknown[]; record: string } {
  const after = columnValues(next);
  const before = [
    current.userId === next.userId ? after[0] : CHANGED,
    current.channelId === next.channelId ? after[1] : CHANGED,
    current.mode === next.mode ? after[2] : CHANGED,
    current.status,
    current.createdAt,
    current.updatedAt,
    toMinute(current.updatedAt),
    current.iterations,
    current.eventCount,
    currentRecord,
  ];
  let mask = 0;
  const values: unknown[] = [];
  for (let i = 0; i < COLUMNS.length; i++) {
    if (after[i] === before[i]) continue;
    mask |= 1 << i;
    values.push(after[i]);
  }
  return { mask, values, record: after[after.length - 1] as string };
}

/** Parses stored records of one connection into sessions; fails closed on anything damaged. */
export interface RecordDecoder {
  decode(id: string, text: string): Session;
  /** Notes a record text this handle wrote, so reading it back skips schema validation. */
  remember(id: string, text: string): void;
  forget(id: string): void;
}

/** A decoder that validates every record it did not write itself (keeps zod off the append path). */
export function createRecordDecoder(): RecordDecoder {
  // Texts this handle wrote, by id; an identical text read back was valid when written. Bounded.
  const validated = new Map<string, string>();
  const remember = (id: string, text: string) => {
    if (text.length > 65_536) return;
    if (validated.size >= 1_000) validated.delete(validated.keys().next().value as string);
    validated.set(id, text);
  };

  function decode(id: string, text: string): Session {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw errors.corrupt(name, id, "the stored record is not valid JSON", error);
    }
    if (validated.get(id) === text) {
      delete (raw as { schemaVersion?: number }).schemaVersion;
      return raw as Session;
    }
    return decodeRecord(raw, id, name).session;
  }

  return { decode, remember, forget: (id) => void validated.delete(id) };
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
