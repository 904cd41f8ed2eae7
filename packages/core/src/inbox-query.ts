import type { InboxFilter, ListPosition, MaybePromise, ParsedFilter } from "./driver.js";
import { chain, corruptReport, decodeOrReport } from "./driver-kit.js";
import { describeValue, SessionKitError } from "./errors.js";
import { readInstant } from "./instants.js";
import type { InputRequest, Session, SessionSummary } from "./model.js";
import { toSummary } from "./model.js";
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, MAX_PAGE_SIZE } from "./query.js";
import type { CorruptRecordReport, InboxItem, InboxPage, InboxQuery, SessionPage } from "./store.js";

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
export function inboxPage(
  rows: { items: InboxItem[]; corrupt?: CorruptRecordReport[] },
  filter: InboxFilter,
  limit: number,
): InboxPage {
  const more = rows.items.length > limit;
  const page = more ? rows.items.slice(0, limit) : rows.items;
  const last = page.at(-1)?.session;
  return {
    items: page,
    nextCursor: more && last ? encodeCursor(last, cursorFilter(filter)) : null,
    corrupt: rows.corrupt ?? [],
  };
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
): Promise<InboxRows> {
  const items: InboxItem[] = [];
  // A damaged record cannot say whether it awaits input: reported once, as list reports it.
  const corrupt = new Map<string, CorruptRecordReport>();
  const done = () => ({ items, corrupt: [...corrupt.values()] });
  const listFilter: ParsedFilter = {
    ...(filter.userId === undefined ? {} : { userId: filter.userId }),
    ...(filter.channelId === undefined ? {} : { channelId: filter.channelId }),
    statuses: ["active", "paused"],
  };
  let position = after;
  for (;;) {
    const page = await list(position, listFilter, MAX_PAGE_SIZE);
    for (const report of page.corrupt) corrupt.set(report.id, report);
    for (const summary of page.items as SessionSummary[]) {
      let session: Session | null;
      try {
        session = await get(summary.id);
      } catch (error) {
        corrupt.set(summary.id, corruptReport(error, summary.id));
        continue;
      }
      if (session === null || (session.status !== "active" && session.status !== "paused")) continue;
      const requests = matchingRequests(session, filter);
      if (requests.length > 0)
        items.push({ session: toSummary(session), requests: structuredClone(requests) });
      if (items.length >= limit) return done();
    }
    const last = page.items.at(-1);
    if (page.items.length < MAX_PAGE_SIZE || last === undefined) return done();
    position = { createdAt: last.createdAt, id: last.id };
  }
}

/** How an indexed store reads inbox candidates: rows in list order after a position, decoded. */
export interface InboxSource<Row> {
  /** Up to `want` candidate rows strictly after `position`, in list order (a superset of the answer). */
  fetch(position: ListPosition | undefined, want: number): MaybePromise<Row[]>;
  /** The row's place in the list order (read without decoding: a damaged row has one too). */
  position(row: Row): ListPosition;
  /**
   * The session a row holds (from one read, so session and requests are of one version); it may
   * throw ERR_CORRUPT_RECORD / ERR_UNSUPPORTED_RECORD_VERSION for a damaged row.
   */
  session(row: Row): Session;
}

/** What an inbox read found: the matching sessions, and the damaged records it met (reported, not listed). */
export interface InboxRows {
  items: InboxItem[];
  corrupt: CorruptRecordReport[];
}

/**
 * Fills an inbox answer from an index's candidates: the exact request-level match is this
 * module's own (matchingRequests), so an index only has to narrow, never to decide. Sync for a
 * sync source. Reads at least 16 rows a round, as a selective tag skips most candidates. A row
 * that does not decode is skipped and reported by id, as list() does: one damaged record must not
 * take the whole inbox down (an operator sees it in `corrupt`, and can delete or repair it).
 */
export function collectInbox<Row>(
  source: InboxSource<Row>,
  filter: InboxFilter,
  after: ListPosition | undefined,
  limit: number,
): MaybePromise<InboxRows> {
  const items: InboxItem[] = [];
  const corrupt: CorruptRecordReport[] = [];
  const step = (position: ListPosition | undefined): MaybePromise<InboxRows> => {
    const want = Math.max(limit - items.length, 16);
    return chain(source.fetch(position, want), (rows) => {
      for (const row of rows) {
        const session = decodeOrReport(source.position(row).id, () => source.session(row), corrupt);
        const requests = session === null ? [] : matchingRequests(session, filter);
        if (session !== null && requests.length > 0)
          items.push({ session: toSummary(session), requests: structuredClone(requests) });
        if (items.length >= limit) return { items, corrupt };
      }
      const last = rows.at(-1);
      if (rows.length < want || last === undefined) return { items, corrupt };
      return step(source.position(last));
    });
  };
  return step(after);
}
