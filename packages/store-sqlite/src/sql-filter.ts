import type { InboxFilter, ListPosition, ParsedFilter } from "@sessionkit/core/driver";
import { SESSION_STATUSES } from "@sessionkit/core/driver";
import { encodeScalar, encodeText, toMinute } from "./encoding.js";
import { ROW_SELECT } from "./session-rows.js";

/** A WHERE clause (without the keyword; "1" when empty) and its parameters. */
export interface SqlClause {
  sql: string;
  params: unknown[];
}

/**
 * Translates a parsed filter into SQL over indexed columns, agreeing exactly with core's
 * `matchesFilter`: string columns compare as JSON text (exact), timestamps as stored ISO text
 * (byte order = the reference's string order), metadata through the session_metadata index.
 */
export function filterToSql(filter: ParsedFilter, after?: ListPosition): SqlClause {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filter.userId !== undefined) {
    parts.push("user_id = ?");
    params.push(encodeText(filter.userId));
  }
  if (filter.channelId !== undefined) {
    parts.push("channel_id = ?");
    params.push(encodeText(filter.channelId));
  }
  if (filter.mode !== undefined) {
    parts.push("mode = ?");
    params.push(encodeText(filter.mode));
  }
  const updated = filter.updatedFrom !== undefined || filter.updatedTo !== undefined;
  // Every row has one of the five statuses (a CHECK constraint), so naming them all changes no
  // answer and lets an updated-time range use the (status, updated_minute) index.
  const statuses = filter.statuses ?? (updated ? SESSION_STATUSES : undefined);
  if (statuses !== undefined) {
    parts.push(`status IN (${statuses.map(() => "?").join(", ")})`);
    params.push(...statuses);
  }
  if (filter.createdFrom !== undefined) {
    parts.push("created_at >= ?");
    params.push(filter.createdFrom);
  }
  if (filter.createdTo !== undefined) {
    parts.push("created_at <= ?");
    params.push(filter.createdTo);
  }
  if (filter.updatedFrom !== undefined) {
    parts.push("updated_minute >= ? AND updated_at >= ?");
    params.push(toMinute(filter.updatedFrom), filter.updatedFrom);
  }
  if (filter.updatedTo !== undefined) {
    parts.push("updated_minute <= ? AND updated_at <= ?");
    params.push(toMinute(filter.updatedTo), filter.updatedTo);
  }
  for (const [key, value] of filter.metadata ?? []) {
    parts.push("id IN (SELECT session_id FROM session_metadata WHERE key = ? AND value = ?)");
    params.push(key, encodeScalar(value));
  }
  if (after) {
    // Row-value comparison lets SQLite seek the (created_at DESC, id DESC) index to the cursor.
    parts.push("(created_at, id) < (?, ?)");
    params.push(after.createdAt, after.id);
  }
  return { sql: parts.length === 0 ? "1" : parts.join(" AND "), params };
}

/** The page query: matching rows in list order, strictly after `after`, at most `limit` (the last parameter). */
export function listSql(filter: ParsedFilter, after?: ListPosition): SqlClause {
  const where = filterToSql(filter, after);
  return {
    sql: `SELECT id, created_at, ${ROW_SELECT} FROM sessions WHERE ${where.sql} ORDER BY created_at DESC, id DESC LIMIT ?`,
    params: where.params,
  };
}

/** One row per (status, mode) with its count and sums: statistics without parsing any record. */
export function statsSql(filter: ParsedFilter): SqlClause {
  const where = filterToSql(filter);
  // Unfiltered, the covering sessions_stats index (schema 7) answers without reading a row: 17-23
  // ms at 100,000 sessions against 162 ms for the table scan (JSON records included).
  const from = where.params.length === 0 ? "sessions INDEXED BY sessions_stats" : "sessions";
  return {
    sql: `SELECT status, mode, COUNT(*) AS n, SUM(iterations) AS iterations, SUM(event_count) AS events FROM ${from} WHERE ${where.sql} GROUP BY status, mode`,
    params: where.params,
  };
}

/** How many sessions match. */
export function countSql(filter: ParsedFilter): SqlClause {
  const where = filterToSql(filter);
  return { sql: `SELECT COUNT(*) AS n FROM sessions WHERE ${where.sql}`, params: where.params };
}

/** The prune condition: a status in `statuses`, updated strictly before `before`. */
export function pruneWhere(statuses: readonly string[], before: string): SqlClause {
  return {
    sql: `status IN (${statuses.map(() => "?").join(", ")}) AND updated_minute <= ? AND updated_at < ?`,
    params: [...statuses, toMinute(before), before],
  };
}

/** A NUL, or a lone surrogate (a high one not followed by a low one, or a low one not after a high one). */
const UNSAFE_TAG = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The inbox candidates (schema 5): sessions with open requests, active or paused, matching the
 * user and channel and, with `expiringBefore`, holding a request that expires by then (their
 * earliest expiry does); in list order after `after`, at most `limit` (the last parameter).
 * CROSS JOIN keeps session_inbox the outer loop: left to itself the planner walked every active
 * and paused session by the status index and sorted (p50 84 ms at 100,000 sessions, measured).
 */
export function inboxSql(filter: InboxFilter, after?: ListPosition): SqlClause {
  const parts = ["s.status IN ('active', 'paused')"];
  const params: unknown[] = [];
  // session_inbox_tags (schema 12) holds tags as SQLite text, decoded from the record's JSON: a
  // tag with a lone surrogate or a NUL may not compare equal to its bound parameter there, so
  // such a tag reads every candidate instead (core matches the tag exactly either way).
  const byTag = filter.tag !== undefined && !UNSAFE_TAG.test(filter.tag);
  const order = byTag ? "t" : "i";
  if (byTag) {
    parts.push("t.tag = ?");
    params.push(filter.tag);
  }
  if (filter.userId !== undefined) {
    parts.push("i.user_id = ?");
    params.push(encodeText(filter.userId));
  }
  if (filter.channelId !== undefined) {
    parts.push("i.channel_id = ?");
    params.push(encodeText(filter.channelId));
  }
  if (filter.expiringBefore !== undefined) {
    parts.push("i.min_expires_at <= ?");
    params.push(filter.expiringBefore);
  }
  if (after) {
    parts.push(`(${order}.created_at, ${order}.session_id) < (?, ?)`);
    params.push(after.createdAt, after.id);
  }
  const columns = ROW_SELECT.split(", ")
    .map((column) => `s.${column}`)
    .join(", ");
  const from = byTag
    ? "session_inbox_tags t CROSS JOIN session_inbox i ON i.session_id = t.session_id"
    : "session_inbox i";
  return {
    sql: `SELECT s.id, s.created_at, ${columns} FROM ${from} CROSS JOIN sessions s ON s.id = i.session_id WHERE ${parts.join(" AND ")} ORDER BY ${order}.created_at DESC, ${order}.session_id DESC LIMIT ?`,
    params,
  };
}
