import type {
  CheckDelete,
  ConflictMode,
  ImportManyOutcome,
  ListPosition,
  MaybePromise,
  ScanResult,
  StatsAggregate,
} from "./driver.js";
import { errors, isSessionKitError } from "./errors.js";
import type { Session, SessionEvent, SessionStatus, SessionSummary } from "./model.js";
import { decodeEvent, decodeRecord } from "./records.js";
import type { CorruptRecordReport, MetadataFilterValue, StoreCapabilities } from "./store.js";

/** Keys a metadata filter may name: an index only needs entries whose key matches this. */
export const METADATA_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** True for a value, or a promise of it, that is a promise. */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === "function";
}

/** Applies `next` to a value or a promise, staying synchronous for values. */
export function chain<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(value) ? value.then(next) : next(value);
}

/** Default size limit of one record or one event: 16 MiB of JSON. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/**
 * The claims of a store that meets the whole contract: persistent, shared at once by handles and
 * processes, crash-safe, owner/lease and operation ids stored in the session's own commit, payloads
 * up to DEFAULT_MAX_PAYLOAD_BYTES. Name `sync` and whatever differs. The conformance suite tests
 * every claim: a store that is less than this spells its capabilities out instead.
 */
export function fullContractCapabilities(
  claims: Pick<StoreCapabilities, "sync"> & Partial<StoreCapabilities>,
): StoreCapabilities {
  const { sync, ...others } = claims;
  // `sync` in its place, so the claims keep the key order they always had.
  return Object.freeze({
    persistent: true,
    multiHandle: true,
    multiProcess: true,
    crashSafe: true,
    sync,
    maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
    leases: true,
    idempotency: true,
    ...others,
  });
}

/**
 * JSON.parse for stored text of session `id`; text that is not JSON is ERR_CORRUPT_RECORD
 * "<what> is not valid JSON" (`what`: "session.json", "the stored record", ...).
 */
export function parseStoredJson(text: string, id: string, component: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw errors.corrupt(component, id, `${what} is not valid JSON`, cause);
  }
}

/**
 * Parses the stored JSON text of session `id` into a Session: upgrades older record schemas,
 * refuses newer ones (ERR_UNSUPPORTED_RECORD_VERSION) and anything malformed, not JSON or holding
 * another id (ERR_CORRUPT_RECORD). Write records with `encodeRecord` (adds `schemaVersion`).
 */
export function parseRecordText(text: string, id: string, component: string): Session {
  return decodeRecord(parseStoredJson(text, id, component, "the stored record"), id, component).session;
}

/** Parses the stored JSON text of one event of session `id`; ERR_CORRUPT_RECORD if malformed. */
export function parseEventText(text: string, id: string, component: string): SessionEvent {
  return decodeEvent(parseStoredJson(text, id, component, "a stored event"), id, component);
}

/** True for the two errors a damaged stored record raises (reported, never fatal, when listing). */
export function isCorruptRecordError(error: unknown): boolean {
  return (
    isSessionKitError(error, "ERR_CORRUPT_RECORD") ||
    isSessionKitError(error, "ERR_UNSUPPORTED_RECORD_VERSION")
  );
}

/** The report of a damaged record for list(); rethrows `error` when it is anything else. */
export function corruptReport(error: unknown, id: string): CorruptRecordReport {
  if (!isCorruptRecordError(error)) throw error;
  const known = error as { code: CorruptRecordReport["code"]; message: string };
  return { id, code: known.code, message: known.message };
}

/**
 * `decode()`, or null after adding its report to `corrupt` when it fails on a damaged record (any
 * other error is rethrown): how a listing read skips a damaged record and says so.
 */
export function decodeOrReport<T>(id: string, decode: () => T, corrupt: CorruptRecordReport[]): T | null {
  try {
    return decode();
  } catch (error) {
    corrupt.push(corruptReport(error, id));
    return null;
  }
}

/**
 * scan() for a store that keeps each session as one stored entry: every entry decoded, a damaged
 * one reported instead (see decodeOrReport).
 */
export function scanEntries<Entry>(
  entries: Iterable<[string, Entry]>,
  decode: (id: string, entry: Entry) => SessionSummary,
): ScanResult & { sessions: SessionSummary[]; corrupt: CorruptRecordReport[] } {
  const sessions: SessionSummary[] = [];
  const corrupt: CorruptRecordReport[] = [];
  for (const [id, entry] of entries) {
    const session = decodeOrReport(id, () => decode(id, entry), corrupt);
    if (session !== null) sessions.push(session);
  }
  return { sessions, corrupt };
}

/**
 * The metadata entries a filter can match: top-level keys matching METADATA_KEY_PATTERN with
 * scalar values (objects and arrays never equal a filter value). What an index stores.
 */
export function indexableMetadata(metadata: unknown): Array<[string, MetadataFilterValue]> {
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) return [];
  const out: Array<[string, MetadataFilterValue]> = [];
  for (const key of Object.keys(metadata)) {
    if (!METADATA_KEY_PATTERN.test(key)) continue;
    const value = (metadata as Record<string, unknown>)[key];
    if (
      value === null ||
      typeof value === "string" ||
      typeof value === "boolean" ||
      typeof value === "number"
    ) {
      out.push([key, value]);
    }
  }
  return out;
}

/** How collectPage reads rows: a page of raw rows after a position, and how to decode one. */
export interface PageSource<Row> {
  /** Up to `want` raw rows strictly after `position` (undefined: from the start) in list order. */
  fetch(position: ListPosition | undefined, want: number): MaybePromise<Row[]>;
  /** The row's id and createdAt (read without decoding, so a damaged row still advances the page). */
  position(row: Row): ListPosition;
  /** Decodes a row; a corrupt-record error makes it a report instead of an item. */
  summary(row: Row): SessionSummary;
}

/**
 * Fills a page of `limit` summaries from an ordered source, reporting and skipping damaged rows
 * and reading on so the page is still full when more rows exist. Sync for a sync source.
 */
export function collectPage<Row>(
  source: PageSource<Row>,
  after: ListPosition | undefined,
  limit: number,
): MaybePromise<{ items: SessionSummary[]; corrupt: CorruptRecordReport[] }> {
  const items: SessionSummary[] = [];
  const corrupt: CorruptRecordReport[] = [];
  const step = (
    position: ListPosition | undefined,
  ): MaybePromise<{ items: SessionSummary[]; corrupt: CorruptRecordReport[] }> => {
    const want = limit - items.length;
    return chain(source.fetch(position, want), (rows) => {
      for (const row of rows) {
        try {
          items.push(source.summary(row));
        } catch (error) {
          corrupt.push(corruptReport(error, source.position(row).id));
        }
      }
      const last = rows[rows.length - 1];
      if (rows.length < want || items.length >= limit || last === undefined) return { items, corrupt };
      return step(source.position(last));
    });
  };
  return step(after);
}

/** What prune removes: a session in one of `statuses`, last updated before `before`. */
export function isDueForPrune(
  session: Pick<SessionSummary, "status" | "updatedAt">,
  statuses: readonly SessionStatus[],
  before: string,
): boolean {
  return statuses.includes(session.status) && session.updatedAt < before;
}

/** An aggregate with every status at zero. */
export function emptyAggregate(): StatsAggregate {
  return {
    total: 0,
    byStatus: { active: 0, paused: 0, completed: 0, failed: 0, timeout: 0 },
    byMode: {},
    iterationsSum: 0,
    eventsSum: 0,
  };
}

/** One group of a GROUP BY status, mode query: how many sessions, and their sums. */
export interface StatsGroup {
  status: string;
  mode: string;
  count: number;
  iterations: number;
  events: number;
}

/** Folds grouped counts (a SQL `GROUP BY status, mode`, or one group per session) into an aggregate. */
export function foldStats(groups: Iterable<StatsGroup>): StatsAggregate {
  const aggregate = emptyAggregate();
  for (const group of groups) {
    aggregate.total += group.count;
    if (Object.hasOwn(aggregate.byStatus, group.status)) {
      aggregate.byStatus[group.status as SessionStatus] += group.count;
    }
    aggregate.byMode[group.mode] = (aggregate.byMode[group.mode] ?? 0) + group.count;
    aggregate.iterationsSum += group.iterations;
    aggregate.eventsSum += group.events;
  }
  return aggregate;
}

/** Adds one session to an aggregate. */
export function addToAggregate(aggregate: StatsAggregate, session: SessionSummary): void {
  aggregate.total += 1;
  aggregate.byStatus[session.status] += 1;
  aggregate.byMode[session.mode] = (aggregate.byMode[session.mode] ?? 0) + 1;
  aggregate.iterationsSum += session.iterations;
  aggregate.eventsSum += session.eventCount;
}

/**
 * insert({ overwrite, check }) inside the driver's exclusive section: calls `check` on the session
 * about to be replaced. A record that does not decode cannot show a hold and is replaced unchecked
 * (an overwrite is how a user repairs one); any other read error is rethrown.
 */
export function checkReplaced(read: () => Session | null, check: CheckDelete | undefined): void {
  if (check === undefined) return;
  let current: Session | null;
  try {
    current = read();
  } catch (error) {
    if (isCorruptRecordError(error)) return;
    throw error;
  }
  if (current !== null) check(current);
}

/** checkReplaced for a driver whose reads are asynchronous. */
export async function checkReplacedAsync(
  read: () => Promise<Session | null>,
  check: CheckDelete | undefined,
): Promise<void> {
  if (check === undefined) return;
  let current: Session | null;
  try {
    current = await read();
  } catch (error) {
    if (isCorruptRecordError(error)) return;
    throw error;
  }
  if (current !== null) check(current);
}

/** What an importMany decided from the stored state of its ids (see planImportMany). */
export interface ImportManyPlan<R> {
  /** The records to persist, in order: the prefix before the stop, less the skipped ones. */
  writes: R[];
  /** Ids among `writes` that replace a stored session (their old events must go). */
  replaced: string[];
  outcomes: ImportManyOutcome["outcomes"];
  /** Why it stopped at `records[outcomes.length]`. */
  error?: unknown;
}

/**
 * The decisions of a driver's importMany, made inside its exclusive section before it writes:
 * `component` names the driver in errors; `stored(id)` is undefined for a free id, else a reader of the stored session (it may throw
 * ERR_CORRUPT_RECORD: such a record is replaced unchecked, as by checkReplaced). A taken id under
 * "fail", or a check that throws, stops the plan at that record.
 */
export function planImportMany<R extends { session: Session }>(
  component: string,
  records: readonly R[],
  options: { onConflict: ConflictMode; check?: CheckDelete },
  stored: (id: string) => (() => Session | null) | undefined,
): ImportManyPlan<R> {
  const plan: ImportManyPlan<R> = { writes: [], replaced: [], outcomes: [] };
  for (const record of records) {
    const read = stored(record.session.id);
    if (read !== undefined) {
      if (options.onConflict === "skip") {
        plan.outcomes.push("skipped");
        continue;
      }
      try {
        if (options.onConflict === "fail") throw errors.exists(component, record.session.id);
        checkReplaced(read, options.check);
      } catch (error) {
        plan.error = error;
        return plan;
      }
      plan.replaced.push(record.session.id);
    }
    plan.writes.push(record);
    plan.outcomes.push("written");
  }
  return plan;
}
