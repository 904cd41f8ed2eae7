import {
  encodeRecord,
  indexableMetadata,
  type MetadataFilterValue,
  type Session,
  type SessionEvent,
} from "@sessionkit/core/driver";

// jsonb refuses NUL and lone surrogates; such strings are indexed in an escaped form instead.
const JSONB_UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The columns of one `sessions` row, in the order of SESSION_COLUMNS. */
export type SessionRow = [
  id: string,
  version: number,
  eventCount: number,
  status: string,
  mode: string,
  userId: string | null,
  channelId: string | null,
  createdAt: string,
  updatedAt: string,
  iterations: number,
  metadataIndex: string,
  record: string,
  awaiting: boolean,
  inboxExpires: string | null,
];

/** Column names matching SessionRow. */
export const SESSION_COLUMNS = [
  "id",
  "version",
  "event_count",
  "status",
  "mode",
  "user_id",
  "channel_id",
  "created_at",
  "updated_at",
  "iterations",
  "metadata_index",
  "record",
  "awaiting",
  "inbox_expires",
] as const;

/** The SQL type of each column of SESSION_COLUMNS (the element types of a bulk insert's arrays). */
export const SESSION_COLUMN_TYPES = [
  "text",
  "int",
  "int",
  "text",
  "text",
  "text",
  "text",
  "text",
  "text",
  "bigint",
  "jsonb",
  "text",
  "boolean",
  "text",
] as const;

/** Rows as one array per column, for `unnest($1::text[], $2::int[], …)`. */
export function columnsOf(rows: SessionRow[]): unknown[][] {
  return SESSION_COLUMNS.map((_, column) => rows.map((row) => row[column]));
}

/**
 * Text columns compared for equality hold the JSON literal of the value (`"abc"`): JSON escapes NUL
 * and lone surrogates, which PostgreSQL `text` cannot hold, and the mapping is one-to-one.
 */
export function textKey(value: string): string {
  return JSON.stringify(value);
}

/** Reverses textKey. */
export function fromTextKey(value: string): string {
  return JSON.parse(value) as string;
}

function indexScalar(value: MetadataFilterValue): unknown {
  if (typeof value !== "string" || !JSONB_UNSAFE.test(value)) return value;
  // An object can never be a stored indexed value (only scalars are indexed), so this cannot collide.
  let hex = "";
  for (let i = 0; i < value.length; i++) hex += value.charCodeAt(i).toString(16).padStart(4, "0");
  return { $u: hex };
}

/** The jsonb text of the metadata index: top-level scalar members with filterable keys, jsonb-safe. */
export function metadataIndex(metadata: Session["metadata"]): string {
  return metadataFilter(indexableMetadata(metadata));
}

/** The jsonb text a metadata filter is matched with (`metadata_index @> $n`); the index is one too. */
export function metadataFilter(entries: Array<[string, MetadataFilterValue]>): string {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    // defineProperty keeps a "__proto__" key as data.
    Object.defineProperty(out, key, {
      value: indexScalar(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return JSON.stringify(out);
}

/** Every column of a session's row; the record itself is stored as exact JSON text. */
export function sessionRow(session: Session): SessionRow {
  return [
    session.id,
    session.version,
    session.eventCount,
    session.status,
    textKey(session.mode),
    session.userId === undefined ? null : textKey(session.userId),
    session.channelId === undefined ? null : textKey(session.channelId),
    session.createdAt,
    session.updatedAt,
    session.iterations,
    metadataIndex(session.metadata),
    JSON.stringify(encodeRecord(session)),
    (session.inputRequests?.length ?? 0) > 0,
    earliestExpiry(session),
  ];
}

/** The earliest `expiresAt` of the open requests (ISO text: string order is time order), or null. */
function earliestExpiry(session: Session): string | null {
  let earliest: string | null = null;
  for (const request of session.inputRequests ?? [])
    if (request.expiresAt !== undefined && (earliest === null || request.expiresAt < earliest))
      earliest = request.expiresAt;
  return earliest;
}

/** Events as two parallel arrays for `unnest($seqs::int[], $bodies::text[])`. */
export function eventArrays(events: SessionEvent[]): [number[], string[]] {
  return [events.map((event) => event.seq), events.map((event) => JSON.stringify(event))];
}
