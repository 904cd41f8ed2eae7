import { type ListQuery, type SessionFilter, SessionKitError, type SessionStatus } from "@sessionkit/core";

const TEXT_KEYS = [
  "userId",
  "channelId",
  "mode",
  "createdAfter",
  "createdBefore",
  "updatedAfter",
  "updatedBefore",
] as const;

function invalid(field: string, value: string, expected: string): SessionKitError {
  return new SessionKitError(
    "ERR_INVALID_QUERY",
    `[ui] Expected \`${field}\` to be ${expected}, got ${JSON.stringify(value)}. Fix the filter.`,
    { details: { field } },
  );
}

/**
 * Turns URL query parameters into a SessionFilter: one parameter per filter key, `status` as a
 * comma-separated list, `metadata` as a JSON object of scalars. Values are handed to the store as
 * they are, so the store's own validation (ERR_INVALID_QUERY) decides what is acceptable.
 */
export function filterFromQuery(query: Record<string, string | undefined>): SessionFilter {
  const filter: SessionFilter = {};
  for (const key of TEXT_KEYS) {
    const value = query[key];
    if (value !== undefined && value !== "") filter[key] = value;
  }
  const status = query.status;
  if (status !== undefined && status !== "") {
    const list = status.split(",").filter(Boolean) as SessionStatus[];
    filter.status = list.length === 1 ? list[0]! : list;
  }
  const metadata = query.metadata;
  if (metadata !== undefined && metadata !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(metadata);
    } catch {
      throw invalid("metadata", metadata, "a JSON object of scalar values");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      throw invalid("metadata", metadata, "a JSON object of scalar values");
    filter.metadata = parsed as SessionFilter["metadata"];
  }
  return filter;
}

/** A list query: the filter plus `limit` (1–1000) and `cursor`. */
export function listQueryFromQuery(query: Record<string, string | undefined>): ListQuery {
  const out: ListQuery = filterFromQuery(query);
  if (query.limit !== undefined && query.limit !== "") {
    const limit = Number(query.limit);
    if (!Number.isInteger(limit)) throw invalid("limit", query.limit, "an integer from 1 to 1000");
    out.limit = limit;
  }
  if (query.cursor !== undefined && query.cursor !== "") out.cursor = query.cursor;
  return out;
}
