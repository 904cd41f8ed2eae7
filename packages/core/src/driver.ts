import type { SessionKitError } from "./errors.js";
import type { OperationRecord, Session, SessionEvent, SessionStatus, SessionSummary } from "./model.js";
import type {
  CorruptRecordReport,
  InboxItem,
  LeaseSwap,
  MetadataFilterValue,
  StoreCapabilities,
} from "./store.js";
import type { ChangeFeed } from "./watch-types.js";

/** A value, or a promise of it: sync drivers return values, async ones promises. */
export type MaybePromise<T> = T | Promise<T>;

/** A filter after parsing: every time bound a normalised ISO string, statuses de-duplicated. */
export interface ParsedFilter {
  userId?: string;
  channelId?: string;
  mode?: string;
  /** De-duplicated, in SESSION_STATUSES order. */
  statuses?: SessionStatus[];
  /** Inclusive bounds on createdAt / updatedAt, as `YYYY-MM-DDTHH:mm:ss.sssZ` (compare as text). */
  createdFrom?: string;
  createdTo?: string;
  updatedFrom?: string;
  updatedTo?: string;
  /** Top-level metadata keys (each matching METADATA_KEY_PATTERN) and the values they must equal; sorted by key. */
  metadata?: Array<[string, MetadataFilterValue]>;
}

/** An inbox query after parsing (see InboxQuery); `expiringBefore` normalised to an ISO instant. */
export interface InboxFilter {
  userId?: string;
  channelId?: string;
  tag?: string;
  expiringBefore?: string;
}

/** The keyset position after which a page starts. */
export interface ListPosition {
  createdAt: string;
  id: string;
}

/** The aggregates a driver computes for stats(); the wrapper derives the rest. */
export interface StatsAggregate {
  total: number;
  byStatus: Record<SessionStatus, number>;
  byMode: Record<string, number>;
  iterationsSum: number;
  eventsSum: number;
}

/** What the wrapper asks a driver to persist for one commit. */
export interface CommitPlan {
  /** The whole next state: version = current.version + 1, eventCount grown by `events.length`. */
  next: Session;
  /** The events to append, numbered current.eventCount + 1, + 2, …; may be empty. */
  events: SessionEvent[];
  /**
   * For a driver that keeps operation ids apart (it has `getForOperation`): the operation id this
   * commit records, to store in the same transaction. Other drivers never see it: the wrapper has
   * put the entry into `next.operations` instead.
   */
  operation?: CommitPlanOperation;
  /**
   * For a driver that keeps operation ids apart: the patch set the whole map (null: removed it).
   * Replace the session's entries with these; `next.operations` holds the same map.
   */
  replaceOperations?: Record<string, OperationRecord> | null;
}

/** One operation id a commit records in a driver's side table. */
export interface CommitPlanOperation {
  id: string;
  /** Its digest, the version this commit makes and, when it fits, the result (see resultOf). */
  record: OperationRecord;
  /** `JSON.stringify(record.result)`, already computed by the wrapper's size check. */
  resultText?: string;
}

/**
 * Decides a commit from the current state. It is pure: it reads only its argument and the clock,
 * touches no storage and keeps no state between calls, so a driver may call it any number of
 * times (once per attempt). It throws a SessionKitError to refuse (ERR_VERSION_CONFLICT,
 * ERR_PAYLOAD_TOO_LARGE, …); the driver then changes nothing and rethrows that error as it is.
 */
export type PlanCommit = (current: Session) => CommitPlan;

/**
 * Decides whether a delete may go ahead, from the current state; pure like PlanCommit. It throws
 * (ERR_VERSION_CONFLICT, or a private error of the wrapper's prune) to refuse; the driver then
 * deletes nothing and rethrows the error as it is.
 */
export type CheckDelete = (current: Session) => void;

/** Everything a driver holds, for the wrapper to filter, order, count and prune itself. */
export interface ScanResult {
  /** Every readable session (or its summary). The wrapper never changes these objects. */
  sessions: Iterable<SessionSummary>;
  /** Records that could not be read (see corruptReport()); reported by list, skipped elsewhere. */
  corrupt?: CorruptRecordReport[];
}

/**
 * The small interface an adapter implements; `defineSessionStore` turns it into a full
 * SessionStore. Import it from `@sessionkit/core/driver`.
 *
 * **What the wrapper already did.** Every input arrives validated: ids match SESSION_ID_PATTERN,
 * payloads are plain JSON within `capabilities.maxPayloadBytes`, queries are parsed, the store is
 * open. Timestamps, versions and seq numbers are computed by the wrapper (inside `plan`). A driver
 * only persists and reads back, byte for byte (NUL, lone surrogates and a `__proto__` key included).
 *
 * **Errors.** Throw a SessionKitError for contract outcomes: ERR_SESSION_NOT_FOUND,
 * ERR_SESSION_EXISTS, ERR_CORRUPT_RECORD / ERR_UNSUPPORTED_RECORD_VERSION (a stored record that
 * does not decode: use parseRecordText), ERR_STORE_BUSY (a lock not obtained in time). Anything
 * else (a raw I/O or driver error) is wrapped by the store as ERR_STORE_IO.
 *
 * **Sync or async.** Every method may return a value or a promise. A driver whose methods all
 * answer synchronously may claim `capabilities.sync`; the store then offers `store.sync()`.
 *
 * **Queries.** Implement either `scan()` (the wrapper derives list, count, stats and prune from it,
 * by reading everything: fine for small or in-memory stores), or `list`, `stats` and `prune`
 * (with an index). When both exist, the methods win and `scan` is unused.
 *
 * **Exclusivity.** "Exclusively" below means: between reading the current state and persisting,
 * no other commit, insert or delete of the same session lands, in this handle, another handle or
 * another process (as far as `capabilities` claim). A lock gives it; so does a conditional write
 * ("only if the version is still N") that is retried from a fresh read when it loses.
 *
 * **Capabilities** oblige you to: `persistent`: data survives close() and a new driver on the same
 * storage. `multiHandle`: two drivers on one storage in one process see each other's writes at
 * once, and exclusivity holds between them. `multiProcess`: the same across processes (the
 * conformance suite forks real children: give it a `childModule`). `crashSafe`: a process killed
 * at any instant leaves each session at its old or its new state, never torn, never with a
 * partial batch of events. `sync`: every method answers without a promise. `maxPayloadBytes`: you
 * store records and events up to this size of JSON text.
 */
export interface StoreDriver {
  /** Short name, the prefix of error messages ("store-fs"). */
  readonly name: string;
  /** What the store promises; tested by the conformance suite. */
  readonly capabilities: StoreCapabilities;
  /**
   * Persists a new session and its events atomically (all or nothing). ERR_SESSION_EXISTS if the
   * id is taken, unless `overwrite`: then the old session and all its events are replaced at once.
   * `session.eventCount === events.length` and events are numbered from 1.
   * - With `overwrite` and `check`: exclusively, as for delete, reads the session being replaced
   *   and calls `check(current)` on it (not when the id is free, nor on a record that does not
   *   decode: see checkReplaced); if it throws, changes nothing and rethrows unchanged. It is how
   *   the hold check and the overwrite become one step.
   */
  insert(
    session: Session,
    events: SessionEvent[],
    options: { overwrite: boolean; check?: CheckDelete },
  ): MaybePromise<void>;
  /**
   * Optional bulk insert, for imports and migrations (without it the wrapper calls `insert` once
   * per record, with the same outcomes). The records arrive validated, with distinct ids, in
   * order; handle them as `insert` would one after another, in as few round trips as you can:
   * - Each record is atomic (its session and all its events, or nothing of it).
   * - An id already taken: `"fail"` stops at that record; `"skip"` leaves the stored session as
   *   it is and goes on (outcome "skipped"); `"overwrite"` replaces it, after `check(current)` run
   *   exclusively on the session replaced, as insert's `check` (a throw stops at that record).
   * - Stopping at record k: records before k are persisted, k and later ones are not; return
   *   their outcomes and `error` (the SessionKitError, or the check's error, unchanged).
   * - Throwing instead means that no record of this call was persisted (roll the batch back).
   */
  importMany?(
    records: ReadonlyArray<{ session: Session; events: SessionEvent[] }>,
    options: { onConflict: ConflictMode; check?: CheckDelete },
  ): MaybePromise<ImportManyOutcome>;
  /** The session, null if absent; ERR_CORRUPT_RECORD / ERR_UNSUPPORTED_RECORD_VERSION if unreadable. */
  get(id: string): MaybePromise<Session | null>;
  /**
   * Optional: the driver keeps operation ids apart from the record (a side table), so an idempotent
   * commit does not rewrite a map of up to 128 entries. Then:
   * - this reads the session with `operations` holding only the entry of `operationId`, as
   *   retainedEntry() says it is still answered (none at all without `operationId`);
   * - `get` returns the whole map, trimmed by trimOperations() (an export carries it);
   * - `commit` stores `plan.operation` in the commit's transaction, and a `next.operations` that
   *   differs from what `plan` was given (a patch or an import) replaces the session's entries;
   * - `insert`, `importMany` and `delete` write and remove the entries with the session;
   * - entries older than the retention may be removed in batches (they are no longer answered).
   */
  getForOperation?(id: string, operationId: string | undefined): MaybePromise<Session | null>;
  /**
   * Exclusively for this session: reads the current state, calls `plan(current)`, persists
   * `next` and appends `events` atomically (all or nothing), and returns `next`.
   * - ERR_SESSION_NOT_FOUND if the session is absent (`plan` is not called).
   * - If `plan` throws, nothing changes; rethrow its error unchanged.
   * - `plan` is pure: a driver without locks may call it, write conditionally ("only if still at
   *   current.version"), and on losing the race read again and call `plan` again with the new state.
   *   Only the plan whose write succeeded counts. Never persist a plan made from a state that is
   *   no longer current.
   * - The objects `plan` returns belong to the driver; the wrapper copies what it hands out.
   */
  commit(id: string, plan: PlanCommit): MaybePromise<Session>;
  /**
   * Events with fromSeq <= seq <= toSeq (toSeq undefined: to the end), ascending, as stored.
   * An empty array when the range holds none; ERR_SESSION_NOT_FOUND if the session is absent.
   * Bounds may be any safe integer ≥ 1.
   */
  readEvents(id: string, fromSeq: number, toSeq: number | undefined): MaybePromise<SessionEvent[]>;
  /**
   * Optional batch read (retention's chunks, at most READ_BATCH_SIZE ids): per id, in order, the
   * session and its events 1..eventCount read together (one snapshot, as get then readEvents
   * would see with nothing committed between), null if absent, or the SessionKitError its record
   * raises (ERR_CORRUPT_RECORD, …). Without it the wrapper reads one session after another.
   */
  readMany?(
    ids: string[],
  ): MaybePromise<Array<{ session: Session; events: SessionEvent[] } | null | SessionKitError>>;
  /** Optional fast path for the last `count` events (oldest first); ERR_SESSION_NOT_FOUND if absent. */
  readLastEvents?(id: string, count: number): MaybePromise<SessionEvent[]>;
  /**
   * Deletes the session and all its events atomically; false if it was absent.
   * - Without `check`: works on a corrupt record too (it is how a user removes one).
   * - With `check`: exclusively, as for commit, reads the current state and calls `check(current)`;
   *   if it throws, deletes nothing and rethrows unchanged. Like `plan` it is pure and may be called
   *   again after a lost race. A record that does not decode throws its ERR_CORRUPT_RECORD.
   */
  delete(id: string, check?: CheckDelete): MaybePromise<boolean>;
  /**
   * Optional batch delete (retention's chunks): for each item, exclusively as for delete, reads the
   * session and calls `check(current)`; deletes the ones whose check passed, all in one
   * transaction. Per item: true (deleted), false (absent), or the SessionKitError its check threw
   * or its record raised (that item is kept; the others go on). Without it the wrapper deletes
   * one by one. Keep a batch's writer hold short: the wrapper sends at most DELETE_BATCH_SIZE.
   */
  deleteBatch?(
    items: Array<{ id: string; check: CheckDelete }>,
  ): MaybePromise<Array<boolean | SessionKitError>>;
  /** Everything the store holds, for stores without an index (see "Queries" above). */
  scan?(): MaybePromise<ScanResult>;
  /**
   * Up to `limit` summaries matching `filter`, ordered createdAt desc then id desc, strictly after
   * `after` in that order when given; plus any damaged records met (see collectPage()).
   */
  list?(
    filter: ParsedFilter,
    after: ListPosition | undefined,
    limit: number,
  ): MaybePromise<{
    items: SessionSummary[];
    corrupt: CorruptRecordReport[];
  }>;
  /** Aggregates over the sessions matching `filter` (see foldStats()). */
  stats?(filter: ParsedFilter): MaybePromise<StatsAggregate>;
  /** How many sessions match `filter` (defaults to stats().total when absent). */
  count?(filter: ParsedFilter): MaybePromise<number>;
  /**
   * Ids of sessions with a status in `statuses` and updatedAt < `before` (text comparison of
   * normalised instants), deleted unless dryRun. Each deletion is decided again exclusively (a
   * session committed in between is kept); a damaged record is skipped. Any order.
   */
  prune?(statuses: SessionStatus[], before: string, dryRun: boolean): MaybePromise<string[]>;
  /**
   * The store-wide change log behind `store.watch()`. Every insert, commit and delete (prune
   * included) records its change atomically with itself (see commitChange, insertChange,
   * deleteChange), in one order across handles and processes. Absent: watch is unsupported.
   */
  changes?: ChangeFeed;
  /**
   * Optional inbox index: up to `limit` sessions that have open input requests (`inputRequests`
   * non-empty) and match `filter`, in the list order, strictly after `after`; each with its open
   * requests that match `filter.tag` / `filter.expiringBefore`, in stored order. Without it the
   * wrapper walks the active and paused sessions and reads each one (correct, O(sessions)).
   * A damaged record is skipped and returned in `corrupt` (collectInbox does both), never thrown.
   */
  listAwaitingInput?(
    filter: InboxFilter,
    after: ListPosition | undefined,
    limit: number,
  ): MaybePromise<{ items: InboxItem[]; corrupt?: CorruptRecordReport[] }>;
  /**
   * Store-wide named leases (one runner at a time across processes: applyRetention). A
   * compare-and-set of the text stored under `name`: stores `next` (null: removes it) only if the
   * text held now is `expected` (null: none), atomically across handles and processes as far as
   * `capabilities` claim; returns the text held afterwards. The text is opaque to the driver.
   * Absent: store.swapLease is ERR_UNSUPPORTED_CAPABILITY.
   */
  swapLease?(name: string, expected: string | null, next: string | null): MaybePromise<LeaseSwap>;
  /** Releases what this driver opened. Called once, after every operation in flight settled. */
  close(): MaybePromise<void>;
}

/** What an import does with a session id the store already has. */
export type ConflictMode = "fail" | "skip" | "overwrite";

/** What a driver's importMany did: one outcome per record handled, from the first, in order. */
export interface ImportManyOutcome {
  /** "written": inserted or replaced; "skipped": the id was taken and onConflict "skip". */
  outcomes: Array<"written" | "skipped">;
  /** Why it stopped at `records[outcomes.length]`; absent when every record was handled. */
  error?: unknown;
}

/** A driver whose queries are all present (an indexed driver, or one completed from scan()). */
export type IndexedStoreDriver = StoreDriver &
  Required<Pick<StoreDriver, "list" | "stats" | "count" | "prune">>;

export type { ChangeFacts, ChangeFeed, ChangeRecord, NewChange } from "./watch-types.js";
export type { LeaseSwap, SessionEvent };
