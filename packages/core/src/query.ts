import type { ListPosition, ParsedFilter, StatsAggregate } from "./driver.js";
import { METADATA_KEY_PATTERN } from "./driver-kit.js";
import { describeValue, SessionKitError } from "./errors.js";
import { isValidSessionId } from "./ids.js";
import { readInstant } from "./instants.js";
import { SESSION_STATUSES, type SessionSummary } from "./model.js";
import type { ListQuery, MetadataFilterValue, SessionFilter, SessionStats } from "./store.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
const FILTER_KEYS = new Set([
  "userId",
  "channelId",
  "mode",
  "status",
  "createdAfter",
  "createdBefore",
  "updatedAfter",
  "updatedBefore",
  "metadata",
]);

function invalidQuery(component: string, field: string, value: unknown, expected: string): SessionKitError {
  return new SessionKitError(
    "ERR_INVALID_QUERY",
    `[${component}] Expected \`${field}\` to be ${expected}, got ${describeValue(value)}. Fix the query.`,
    { details: { field } },
  );
}

/**
 * Normalises a filter bound (Date, epoch ms, or ISO-8601 text with an offset) to
 * `YYYY-MM-DDTHH:mm:ss.sssZ`; ERR_INVALID_QUERY for anything readInstant refuses.
 */
export function normalizeInstant(value: unknown, field: string, component: string): string {
  const reading = readInstant(value);
  if (!reading.ok) throw invalidQuery(component, field, value, reading.reason);
  return reading.iso;
}

/** Validates a filter and normalises it for drivers. Unknown keys are refused, not ignored. */
export function parseFilter(
  filter: SessionFilter | undefined,
  component: string,
  extraKeys: string[] = [],
): ParsedFilter {
  if (filter === undefined || filter === null) return {};
  if (typeof filter !== "object" || Array.isArray(filter))
    throw invalidQuery(component, "filter", filter, "an object");
  const out: ParsedFilter = {};
  for (const key of Object.keys(filter)) {
    if (!FILTER_KEYS.has(key) && !extraKeys.includes(key)) {
      throw invalidQuery(
        component,
        key,
        (filter as Record<string, unknown>)[key],
        `one of ${[...FILTER_KEYS].join(", ")}`,
      );
    }
  }
  for (const key of ["userId", "channelId", "mode"] as const) {
    const value = filter[key];
    if (value === undefined) continue;
    if (typeof value !== "string" || value.length === 0)
      throw invalidQuery(component, key, value, "a non-empty string");
    out[key] = value;
  }
  if (filter.status !== undefined) {
    const list = Array.isArray(filter.status) ? filter.status : [filter.status];
    if (list.length === 0)
      throw invalidQuery(component, "status", list, "a status or a non-empty array of statuses");
    for (const status of list) {
      if (!SESSION_STATUSES.includes(status))
        throw invalidQuery(component, "status", status, `one of ${SESSION_STATUSES.join(", ")}`);
    }
    out.statuses = SESSION_STATUSES.filter((status) => list.includes(status));
  }
  if (filter.createdAfter !== undefined)
    out.createdFrom = normalizeInstant(filter.createdAfter, "createdAfter", component);
  if (filter.createdBefore !== undefined)
    out.createdTo = normalizeInstant(filter.createdBefore, "createdBefore", component);
  if (filter.updatedAfter !== undefined)
    out.updatedFrom = normalizeInstant(filter.updatedAfter, "updatedAfter", component);
  if (filter.updatedBefore !== undefined)
    out.updatedTo = normalizeInstant(filter.updatedBefore, "updatedBefore", component);
  if (filter.metadata !== undefined) {
    const metadata = filter.metadata;
    if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
      throw invalidQuery(component, "metadata", metadata, "an object of scalar values");
    }
    const entries: Array<[string, MetadataFilterValue]> = [];
    for (const key of Object.keys(metadata).sort()) {
      const value = metadata[key];
      if (!METADATA_KEY_PATTERN.test(key))
        throw invalidQuery(component, "metadata key", key, `a key matching ${METADATA_KEY_PATTERN}`);
      const ok =
        value === null ||
        typeof value === "string" ||
        typeof value === "boolean" ||
        (typeof value === "number" && Number.isFinite(value));
      if (!ok)
        throw invalidQuery(component, `metadata.${key}`, value, "a string, finite number, boolean or null");
      entries.push([key, Object.is(value, -0) ? 0 : (value as MetadataFilterValue)]);
    }
    if (entries.length > 0) out.metadata = entries;
  }
  return out;
}

/** The reference semantics of a filter; memory and fs use it, SQL adapters must agree with it. */
export function matchesFilter(session: SessionSummary, filter: ParsedFilter): boolean {
  if (filter.userId !== undefined && session.userId !== filter.userId) return false;
  if (filter.channelId !== undefined && session.channelId !== filter.channelId) return false;
  if (filter.mode !== undefined && session.mode !== filter.mode) return false;
  if (filter.statuses !== undefined && !filter.statuses.includes(session.status)) return false;
  if (filter.createdFrom !== undefined && session.createdAt < filter.createdFrom) return false;
  if (filter.createdTo !== undefined && session.createdAt > filter.createdTo) return false;
  if (filter.updatedFrom !== undefined && session.updatedAt < filter.updatedFrom) return false;
  if (filter.updatedTo !== undefined && session.updatedAt > filter.updatedTo) return false;
  if (filter.metadata !== undefined) {
    const metadata = session.metadata as Record<string, unknown> | undefined;
    for (const [key, expected] of filter.metadata) {
      if (metadata === undefined || !Object.hasOwn(metadata, key) || metadata[key] !== expected) return false;
    }
  }
  return true;
}

/** The documented total order: createdAt descending, then id descending (UTF-16 code units = bytes for ids). */
export function compareForList(a: ListPosition, b: ListPosition): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  if (a.id !== b.id) return a.id < b.id ? 1 : -1;
  return 0;
}

/** True when `row` comes strictly after `position` in the list order. */
export function isAfterPosition(row: ListPosition, position: ListPosition): boolean {
  return compareForList(row, position) > 0;
}

/** A stable fingerprint of a parsed filter, so a cursor is refused with another filter. */
export function filterFingerprint(filter: ParsedFilter): string {
  const text = JSON.stringify([
    filter.userId ?? null,
    filter.channelId ?? null,
    filter.mode ?? null,
    filter.statuses ?? null,
    filter.createdFrom ?? null,
    filter.createdTo ?? null,
    filter.updatedFrom ?? null,
    filter.updatedTo ?? null,
    filter.metadata ?? null,
  ]);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

/** Encodes a keyset position into an opaque cursor bound to the filter. */
export function encodeCursor(position: ListPosition, filter: ParsedFilter): string {
  const payload = JSON.stringify({
    v: 1,
    c: position.createdAt,
    i: position.id,
    f: filterFingerprint(filter),
  });
  return Buffer.from(payload, "utf8").toString("base64url");
}

/** Decodes a cursor issued for `filter`; ERR_INVALID_CURSOR for anything else. */
export function decodeCursor(cursor: string, filter: ParsedFilter, component: string): ListPosition {
  const fail = (why: string) =>
    new SessionKitError(
      "ERR_INVALID_CURSOR",
      `[${component}] Expected \`cursor\` to be a nextCursor returned by list() for the same filter, got ${describeValue(cursor)} (${why}). Start again without a cursor.`,
      { details: { reason: why } },
    );
  if (
    typeof cursor !== "string" ||
    cursor.length === 0 ||
    cursor.length > 1024 ||
    !/^[A-Za-z0-9_-]+$/.test(cursor)
  ) {
    throw fail("not a cursor");
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw fail("not a cursor");
  }
  const value = decoded as { v?: unknown; c?: unknown; i?: unknown; f?: unknown };
  if (
    value === null ||
    typeof value !== "object" ||
    value.v !== 1 ||
    typeof value.c !== "string" ||
    !isValidSessionId(value.i) ||
    // A stored instant is plain ISO text: control characters (NUL among them) only come from a forgery.
    /[\u0000-\u001f]/.test(value.c) ||
    !readInstant(value.c).ok
  ) {
    throw fail("not a cursor");
  }
  if (value.f !== filterFingerprint(filter)) throw fail("issued for another filter");
  return { createdAt: value.c, id: value.i };
}

/** Validates a list query into filter, position and page size. */
export function parseListQuery(
  query: ListQuery | undefined,
  component: string,
): { filter: ParsedFilter; after: ListPosition | undefined; limit: number } {
  const { limit, cursor, ...rest } = query ?? {};
  const filter = parseFilter(rest, component);
  let pageSize = DEFAULT_PAGE_SIZE;
  if (limit !== undefined) {
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw invalidQuery(component, "limit", limit, `an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    pageSize = limit;
  }
  const after = cursor === undefined || cursor === null ? undefined : decodeCursor(cursor, filter, component);
  return { filter, after, limit: pageSize };
}

/** Derives the public statistics from an aggregate, identically for every adapter. */
export function statsFromAggregate(aggregate: StatsAggregate): SessionStats {
  const byMode: Record<string, number> = {};
  for (const mode of Object.keys(aggregate.byMode).sort()) byMode[mode] = aggregate.byMode[mode]!;
  const total = aggregate.total;
  return {
    total,
    byStatus: { ...aggregate.byStatus },
    byMode,
    averageIterations: total === 0 ? 0 : aggregate.iterationsSum / total,
    successRate: total === 0 ? 0 : (aggregate.byStatus.completed / total) * 100,
    events: aggregate.eventsSum,
  };
}
