import type { InboxFilter, ListPosition, ParsedFilter } from "@sessionkit/core/driver";
import { metadataFilter, SESSION_COLUMN_TYPES, SESSION_COLUMNS, textKey } from "./encode.js";

/** The SQL text of every statement, built once per schema. */
export function statements(s: string) {
  const cols = SESSION_COLUMNS.join(", ");
  const values = SESSION_COLUMNS.map((_, i) => `$${i + 1}`).join(", ");
  const n = SESSION_COLUMNS.length;
  // $1 id, $2..$12 the other columns, then the expected version, then event arrays.
  const set = SESSION_COLUMNS.slice(1)
    .map((column, i) => `${column} = $${i + 2}${column === "metadata_index" ? "::jsonb" : ""}`)
    .join(", ");
  const typedValues = values.replace(
    `$${SESSION_COLUMNS.indexOf("metadata_index") + 1}`,
    (m) => `${m}::jsonb`,
  );
  const excluded = SESSION_COLUMNS.slice(1)
    .map((column) => `${column} = EXCLUDED.${column}`)
    .join(", ");
  const columnArrays = SESSION_COLUMN_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(", ");
  const insertEvents = (seqParam: number, bodyParam: number, guard: string) =>
    `INSERT INTO ${s}.events (session_id, seq, body)
       SELECT $1, t.seq, t.body FROM unnest($${seqParam}::int[], $${bodyParam}::text[]) AS t(seq, body)
       WHERE EXISTS (SELECT 1 FROM ${guard})`;
  return {
    get: `SELECT record FROM ${s}.sessions WHERE id = $1`,
    // The digest is computed by the server on both sides of a commit, so it never depends on
    // the client's encoding: md5 of the stored record text.
    getForCommit: `SELECT record, md5(record) AS digest FROM ${s}.sessions WHERE id = $1`,
    getForUpdate: `SELECT record, md5(record) AS digest FROM ${s}.sessions WHERE id = $1 FOR UPDATE`,
    // One statement, one round trip, atomic: the version and digest check, the new state and the
    // events. The digest also refuses to write over a record changed behind the store's back.
    update: `UPDATE ${s}.sessions SET ${set} WHERE id = $1 AND version = $${n + 1} AND md5(record) = $${n + 2}
      RETURNING md5(record) AS digest`,
    updateWithEvents: `WITH upd AS (UPDATE ${s}.sessions SET ${set}
        WHERE id = $1 AND version = $${n + 1} AND md5(record) = $${n + 4} RETURNING md5(record) AS digest),
      ins AS (${insertEvents(n + 2, n + 3, "upd")})
      SELECT (SELECT digest FROM upd) AS digest`,
    // The common append (one event) with scalar parameters: a text[] parameter is escaped quote by
    // quote by pg on the client and parsed back by the server (see insertEventsMany's note).
    appendOne: `WITH upd AS (UPDATE ${s}.sessions SET ${set}
        WHERE id = $1 AND version = $${n + 1} AND md5(record) = $${n + 4} RETURNING md5(record) AS digest),
      ins AS (INSERT INTO ${s}.events (session_id, seq, body)
        SELECT $1, $${n + 2}::int, $${n + 3}::text WHERE EXISTS (SELECT 1 FROM upd))
      SELECT (SELECT digest FROM upd) AS digest`,
    insertNew: `WITH ins AS (INSERT INTO ${s}.sessions (${cols}) VALUES (${typedValues}) ON CONFLICT (id) DO NOTHING RETURNING 1),
      ev AS (${insertEvents(n + 1, n + 2, "ins")})
      SELECT count(*)::int AS n FROM ins`,
    upsert: `INSERT INTO ${s}.sessions (${cols}) VALUES (${typedValues})
      ON CONFLICT (id) DO UPDATE SET ${excluded}`,
    deleteEvents: `DELETE FROM ${s}.events WHERE session_id = $1`,
    insertEvents: `INSERT INTO ${s}.events (session_id, seq, body)
      SELECT $1, t.seq, t.body FROM unnest($2::int[], $3::text[]) AS t(seq, body)`,
    // Bulk import (importMany): one parallel array per column, so a batch is one statement each.
    stored: `SELECT id, record FROM ${s}.sessions WHERE id = ANY($1::text[])`,
    storedForUpdate: `SELECT id, record FROM ${s}.sessions WHERE id = ANY($1::text[]) FOR UPDATE`,
    insertMany: `INSERT INTO ${s}.sessions (${cols}) SELECT * FROM unnest(${columnArrays})
      ON CONFLICT (id) DO NOTHING RETURNING id`,
    upsertMany: `INSERT INTO ${s}.sessions (${cols}) SELECT * FROM unnest(${columnArrays})
      ON CONFLICT (id) DO UPDATE SET ${excluded} RETURNING id`,
    deleteEventsMany: `DELETE FROM ${s}.events WHERE session_id = ANY($1::text[])`,
    // Retention's batches: sessions and all their events in one statement (one snapshot), rows of
    // a session before its events; and the delete of the sessions whose checks passed (events go
    // by ON DELETE CASCADE, the change log by its trigger).
    readMany: `SELECT id, record, NULL::text AS body, 0 AS seq FROM ${s}.sessions WHERE id = ANY($1::text[])
      UNION ALL SELECT session_id, NULL, body, seq FROM ${s}.events WHERE session_id = ANY($1::text[])
      ORDER BY 1, 4`,
    deleteIds: `DELETE FROM ${s}.sessions WHERE id = ANY($1::text[])`,
    // Events as newline-joined text split by the server: pg's text[] encoding escaped every quote of
    // every body, 1.2 s on the client and ~1.5 s on the server per 20,000 events (measured), against
    // ~0.5 s for string_to_array. No id or JSON.stringify output holds a raw newline.
    insertEventsMany: `INSERT INTO ${s}.events (session_id, seq, body)
      SELECT * FROM unnest(string_to_array($1, chr(10)), string_to_array($2, ',')::int[], string_to_array($3, chr(10)))`,
    // Bounds are bigint: callers may ask past 2^31 (an int4 parameter would overflow) and get [].
    // The LEFT JOIN tells "no such session" apart from "no events in range" in the same round trip.
    readEvents: `SELECT e.body FROM ${s}.sessions s LEFT JOIN ${s}.events e
      ON e.session_id = s.id AND e.seq >= $2::bigint AND e.seq <= $3::bigint WHERE s.id = $1 ORDER BY e.seq`,
    readLast: `SELECT e.body FROM ${s}.sessions s LEFT JOIN LATERAL
      (SELECT seq, body FROM ${s}.events WHERE session_id = s.id ORDER BY seq DESC LIMIT $2::bigint) e ON true
      WHERE s.id = $1 ORDER BY e.seq`,
    delete: `DELETE FROM ${s}.sessions WHERE id = $1`,
    deleteVersion: `DELETE FROM ${s}.sessions WHERE id = $1 AND version = $2`,
    version: `SELECT version FROM ${s}.sessions WHERE id = $1`,
    pruneDry: `SELECT id FROM ${s}.sessions WHERE status = ANY($1::text[]) AND updated_at < $2 ORDER BY id`,
    prune: `DELETE FROM ${s}.sessions WHERE status = ANY($1::text[]) AND updated_at < $2 RETURNING id`,
  };
}

/** WHERE clause and parameters for a parsed filter (and an optional keyset position). */
export function whereClause(
  filter: ParsedFilter,
  after?: ListPosition,
  params: unknown[] = [],
): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.userId !== undefined) parts.push(`user_id = ${add(textKey(filter.userId))}`);
  if (filter.channelId !== undefined) parts.push(`channel_id = ${add(textKey(filter.channelId))}`);
  if (filter.mode !== undefined) parts.push(`mode = ${add(textKey(filter.mode))}`);
  if (filter.statuses !== undefined) parts.push(`status = ANY(${add(filter.statuses)}::text[])`);
  if (filter.createdFrom !== undefined) parts.push(`created_at >= ${add(filter.createdFrom)}`);
  if (filter.createdTo !== undefined) parts.push(`created_at <= ${add(filter.createdTo)}`);
  if (filter.updatedFrom !== undefined) parts.push(`updated_at >= ${add(filter.updatedFrom)}`);
  if (filter.updatedTo !== undefined) parts.push(`updated_at <= ${add(filter.updatedTo)}`);
  if (filter.metadata !== undefined)
    parts.push(`metadata_index @> ${add(metadataFilter(filter.metadata))}::jsonb`);
  if (after) parts.push(`(created_at, id) < (${add(after.createdAt)}, ${add(after.id)})`);
  return { sql: parts.length === 0 ? "" : `WHERE ${parts.join(" AND ")}`, params };
}

/**
 * The inbox candidates (schema 3): awaiting sessions, active or paused, of the user and channel,
 * and with `expiringBefore` only those whose earliest expiry is by then; in list order after `after`.
 */
export function inboxSql(s: string, filter: InboxFilter, after: ListPosition | undefined, want: number) {
  const where = whereClause(
    {
      ...(filter.userId === undefined ? {} : { userId: filter.userId }),
      ...(filter.channelId === undefined ? {} : { channelId: filter.channelId }),
      statuses: ["active", "paused"],
    },
    after,
  );
  const params = where.params;
  const expiring =
    filter.expiringBefore === undefined ? "" : ` AND inbox_expires <= $${params.push(filter.expiringBefore)}`;
  return {
    sql: `SELECT id, created_at, record FROM ${s}.sessions ${where.sql} AND awaiting${expiring}
      ORDER BY created_at DESC, id DESC LIMIT $${params.push(want)}`,
    params,
  };
}
