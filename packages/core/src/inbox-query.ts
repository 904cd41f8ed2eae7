import type { InboxFilter, ListPosition, MaybePromise, ParsedFilter } from "./driver.js";
import { chain } from "./driver-kit.js";
import { describeValue, SessionKitError } from "./errors.js";
import { readInstant } from "./instants.js";
import type { InputRequest, Session, SessionSummary } from "./model.js";
import { toSummary } from "./model.js";
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, MAX_PAGE_SIZE } from "./query.js";
import type { InboxItem, InboxPage, InboxQuery, SessionPage } from "./store.js";

const QUERY_KEYS = new Set(["userId", "channelId", "tag", "expiringBefore", "limit", "cursor"]);

function invalid(component: string, field: string, value: unknown, expected: string): SessionKitError {
  return new SessionKitError(
    "ERR_INVALID_QUERY",
    `[${component}] Expected \`${field}\` of the inbox query to be ${expected}, got ${describeValue(value)}. Fix the query.`,
    { details: { field } },
  );
}

/** Validates an inbox query into its filter, the position after which the page starts, and its size. */
export function parseInboxQuery(
  query: InboxQuery | undefined,
  component: string,
): { filter: InboxFilter; after: ListPosition | undefined; limit: number } {
  const given = (query ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!QUERY_KEYS.has(key))
      throw invalid(
        component,
        key,
        given[key],
        "absent (allowed: userId, channelId, tag, expiringBefore, limit, cursor)",
      );
  }
  const filter: InboxFilter = {};
  for (const key of ["userId", "channelId", "tag"] as const) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== "string") throw invalid(component, key, value, "a string");
    filter[key] = value;
  }
  if (given.expiringBefore !== undefined) {
    const raw = given.expiringBefore;
    const reading = readInstant(
      raw instanceof Date ? raw.toISOString() : typeof raw === "number" ? new Date(raw).toISOString() : raw,
    );
    if (!reading.ok) throw invalid(component, "expiringBefore", raw, `an instant (${reading.reason})`);
    filter.expiringBefore = reading.iso;
  }
  let limit = DEFAULT_PAGE_SIZE;
  if (given.limit !== undefined) {
    const value = given.limit;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE)
      throw invalid(component, "limit", value, `an integer from 1 to ${MAX_PAGE_SIZE}`);
    limit = value;
  }
  const cursor = given.cursor;
  const after =
    cursor === undefined || cursor === null
      ? undefined
      : decodeCursor(cursor as string, cursorFilter(filter), component);
  return { filter, after, limit };
}

/** The list filter inbox cursors are bound to: the query's own fields, so a cursor fits only its query. */
function cursorFilter(filter: InboxFilter): ParsedFilter {
  return {
    ...(filter.userId === undefined ? {} : { userId: filter.userId }),
    ...(filter.channelId === undefined ? {} : { channelId: filter.channelId }),
    statuses: ["active", "paused"],
    metadata: [
      ["inbox:expiringBefore", filter.expiringBefore ?? null],
      ["inbox:tag", filter.tag ?? null],
    ],
  };
}

/** The open requests of `session` that match the filter's tag and expiry bound, in stored order. */
export function matchingRequests(
  session: Pick<Session, "inputRequests">,
  filter: InboxFilter,
): InputRequest[] {
  const open = session.inputRequests ?? [];
  return open.filter(
    (request) =>
      (filter.tag === undefined || (request.tags ?? []).includes(filter.tag)) &&
      (filter.expiringBefore === undefined ||
        (request.expiresAt !== undefined && request.expiresAt <= filter.expiringBefore)),
  );
}

/** The page a driver's rows make: `limit + 1` rows asked, so one more means another page. */
export function inboxPage(items: InboxItem[], filter: InboxFilter, limit: number): InboxPage {
  const more = items.length > limit;
  const page = more ? items.slice(0, limit) : items;
  const last = page.at(-1)?.session;
  return { items: page, nextCursor: more && last ? encodeCursor(last, cursorFilter(filter)) : null };
}

/**
 * The inbox without an index: walks the active and paused sessions in the list order (pages of
 * the store's own list) and reads each to see its open requests. Correct on every store,
 * O(sessions); stores with an index implement the driver's `listAwaitingInput` instead.
 */
export async function scanInbox(
  list: (
    after: ListPosition | undefined,
    filter: ParsedFilter,
    limit: number,
  ) => MaybePromise<Omit<SessionPage, "nextCursor">>,
  get: (id: string) => MaybePromise<Session | null>,
  filter: InboxFilter,
  after: ListPosition | undefined,
  limit: number,
): Promise<{ items: InboxItem[] }> {
  const items: InboxItem[] = [];
  const listFilter: ParsedFilter = {
    ...(filter.userId === undefined ? {} : { userId: filter.userId }),
    ...(filter.channelId === undefined ? {} : { channelId: filter.channelId }),
    statuses: ["active", "paused"],
  };
  let position = after;
  for (;;) {
    const page = await list(position, listFilter, MAX_PAGE_SIZE);
    for (const summary of page.items as SessionSummary[]) {
      const session = await get(summary.id);
      if (session === null || (session.status !== "active" && session.status !== "paused")) continue;
      const requests = matchingRequests(session, filter);
      if (requests.length > 0)
        items.push({ session: toSummary(session), requests: structuredClone(requests) });
      if (items.length >= limit) return { items };
    }
    const last = page.items.at(-1);
    if (page.items.length < MAX_PAGE_SIZE || last === undefined) return { items };
    position = { createdAt: last.createdAt, id: last.id };
  }
}

/** How an indexed store reads inbox candidates: rows in list order after a position, decoded. */
export interface InboxSource<Row> {
  /** Up to `want` candidate rows strictly after `position`, in list order (a superset of the answer). */
  fetch(position: ListPosition | undefined, want: number): MaybePromise<Row[]>;
  /** The session a row holds (from one read, so session and requests are of one version). */
  session(row: Row): Session;
}

/**
 * Fills an inbox answer from an index's candidates: the exact request-level match is this
 * module's own (matchingRequests), so an index only has to narrow, never to decide. Sync for a
 * sync source. Reads at least 16 rows a round, as a selective tag skips most candidates.
 */
export function collectInbox<Row>(
  source: InboxSource<Row>,
  filter: InboxFilter,
  after: ListPosition | undefined,
  limit: number,
): MaybePromise<{ items: InboxItem[] }> {
  const items: InboxItem[] = [];
  const step = (position: ListPosition | undefined): MaybePromise<{ items: InboxItem[] }> => {
    const want = Math.max(limit - items.length, 16);
    return chain(source.fetch(position, want), (rows) => {
      let last: Session | undefined;
      for (const row of rows) {
        last = source.session(row);
        const requests = matchingRequests(last, filter);
        if (requests.length > 0)
          items.push({ session: toSummary(last), requests: structuredClone(requests) });
        if (items.length >= limit) return { items };
      }
      if (rows.length < want || last === undefined) return { items };
      return step({ createdAt: last.createdAt, id: last.id });
    });
  };
  return step(after);
}
