import { describeValue, SessionKitError } from "../errors.js";
import type { LegalHold, SessionSummary } from "../model.js";
import { MAX_PAGE_SIZE } from "../query.js";
import type { SessionFilter, SessionPage, SessionStore } from "../store.js";
import { COMPONENT } from "./schemas.js";
import type { FindQuery } from "./types.js";

/** Every held session with its hold, in the list order (reads each session: O(sessions)). */
export async function listHolds(
  store: SessionStore,
): Promise<Array<{ session: SessionSummary; hold: LegalHold }>> {
  const held = [];
  for (const summary of await listAll(store, {})) {
    const session = await store.get(summary.id).catch(() => null);
    if (session?.hold !== undefined) held.push({ session: summary, hold: session.hold });
  }
  return held;
}

/** Every summary matching `filter`, walking all pages. */
export async function listAll(store: SessionStore, filter: SessionFilter): Promise<SessionSummary[]> {
  const out: SessionSummary[] = [];
  let cursor: string | null = null;
  do {
    const page: SessionPage = await store.list({ ...filter, limit: MAX_PAGE_SIZE, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

/**
 * One page of a list query, optionally starting `offset` rows in. The rows before the offset are
 * walked with keyset pages (never loaded at once), then the page continues from a cursor.
 */
export async function findPage(store: SessionStore, query: FindQuery = {}): Promise<SessionPage> {
  const { offset, ...rest } = query;
  if (offset === undefined || offset === 0) return store.list(rest);
  if (!Number.isInteger(offset) || offset < 0) {
    throw new SessionKitError(
      "ERR_INVALID_QUERY",
      `[${COMPONENT}] Expected \`offset\` to be a non-negative integer, got ${describeValue(offset)}. Fix the query.`,
      { details: { field: "offset" } },
    );
  }
  const { limit, cursor, ...filter } = rest;
  let skipped = 0;
  let position = cursor ?? null;
  const corrupt: SessionPage["corrupt"] = [];
  while (skipped < offset) {
    const page: SessionPage = await store.list({
      ...filter,
      limit: Math.min(MAX_PAGE_SIZE, offset - skipped),
      cursor: position,
    });
    corrupt.push(...page.corrupt);
    if (page.items.length === 0) return { items: [], nextCursor: null, corrupt };
    skipped += page.items.length;
    position = page.nextCursor;
    if (position === null) return { items: [], nextCursor: null, corrupt };
  }
  const page = await store.list({ ...filter, ...(limit === undefined ? {} : { limit }), cursor: position });
  const seen = new Set(corrupt.map((report) => report.id));
  return { ...page, corrupt: [...corrupt, ...page.corrupt.filter((report) => !seen.has(report.id))] };
}
