import type { Clock } from "./clock.js";
import type { JsonValue } from "./json.js";
import type {
  InputAnswer,
  InputRequest,
  LegalHold,
  NewEvent,
  OperationRecord,
  PauseInfo,
  Session,
  SessionEvent,
  SessionMetadata,
  SessionOwner,
  SessionStatus,
  SessionSummary,
} from "./model.js";
import type { WatchItem, WatchOptions, WatchScope } from "./watch-types.js";

/**
 * What a store can do beyond the contract every store meets. The conformance suite tests every
 * claimed capability and checks that an unclaimed one is refused with ERR_UNSUPPORTED_CAPABILITY.
 */
export interface StoreCapabilities {
  /** Data survives close() and a new handle on the same storage. */
  persistent: boolean;
  /** Two handles on one storage in one process see each other's writes at once. */
  multiHandle: boolean;
  /** Writers in several processes are safe: no lost update, no torn record, no raw driver error. */
  multiProcess: boolean;
  /** A writer killed at any point leaves each session as its old or its new state. */
  crashSafe: boolean;
  /** `store.sync()` returns a synchronous face of the same contract. */
  sync: boolean;
  /** Largest JSON size (UTF-8 bytes) of one session record or one event; larger is refused, never truncated. */
  maxPayloadBytes: number;
  /**
   * The manager's ownership works on this store: `owner` and `leaseUntil` are stored with the
   * session in the same atomic commit and read back exactly, so a claim fences every older owner
   * (conformance group SS-LS). Absent means false.
   */
  leases?: boolean;
  /**
   * The manager's operation ids work on this store: the `operations` map (with the first results
   * `commit` keeps for `operation`) is stored with the session in the same atomic commit and
   * read back exactly, so a replay is recognised, and answered with its first result, across
   * handles and processes (conformance group SS-IDEM). Absent means false.
   */
  idempotency?: boolean;
  /** `store.watch()` delivers a live, resumable change feed (set by the wrapper when the driver has `changes`). */
  watch?: boolean;
  /** `store.swapLease()` works: one retention run at a time (set by the wrapper when the driver has `swapLease`). */
  namedLeases?: boolean;
}

/** Fields a new session is created with. The store sets createdAt, updatedAt, version 1 and eventCount. */
export interface CreateSessionInput {
  /** Default: a new `session_…` id. */
  id?: string;
  mode: string;
  task: string;
  userId?: string;
  channelId?: string;
  workspace?: string;
  /** Default "active". */
  status?: SessionStatus;
  /** Default 0. */
  iterations?: number;
  /** Default 100; must be at least 1. */
  maxIterations?: number;
  deadlineAt?: string;
  /** When retention removes the session (see Session.expiresAt). */
  expiresAt?: string;
  /** Default {}. Copied, never kept by reference. */
  context?: Record<string, unknown>;
  metadata?: SessionMetadata;
  result?: string;
  error?: string;
  pause?: PauseInfo;
  endedAt?: string;
  owner?: SessionOwner;
  leaseUntil?: string;
  operations?: Record<string, OperationRecord>;
  inputRequests?: InputRequest[];
  inputAnswers?: Record<string, InputAnswer>;
  hold?: LegalHold;
}

/**
 * A change to a session's state. `undefined` (or absent) leaves a field as it is; `null` removes an
 * optional field. `context` and `metadata` replace the whole object (merge before you commit).
 */
export interface SessionPatch {
  status?: SessionStatus;
  iterations?: number;
  maxIterations?: number;
  mode?: string;
  task?: string;
  userId?: string | null;
  channelId?: string | null;
  workspace?: string | null;
  deadlineAt?: string | null;
  expiresAt?: string | null;
  context?: Record<string, unknown>;
  metadata?: SessionMetadata | null;
  result?: string | null;
  error?: string | null;
  pause?: PauseInfo | null;
  endedAt?: string | null;
  /** Ownership fields: the manager writes them; stores persist them with the rest of the state. */
  owner?: SessionOwner | null;
  leaseUntil?: string | null;
  operations?: Record<string, OperationRecord> | null;
  /** Inbox and hold fields: the manager writes them (requestInput, respond, hold). */
  inputRequests?: InputRequest[] | null;
  inputAnswers?: Record<string, InputAnswer> | null;
  hold?: LegalHold | null;
}

/** One atomic change: an optional state patch and events, conditioned on a version if given. */
export interface CommitInput {
  /** When set, the commit fails with ERR_VERSION_CONFLICT unless the session is at exactly this version. */
  expectedVersion?: number;
  patch?: SessionPatch;
  /** Appended in order after the last event; all or none are stored. */
  events?: NewEvent[];
  /**
   * Records an operation id with this commit (the manager sets it): `operations[id]` becomes
   * `{ digest, version }` of this commit, with the session it produces as `result` when that fits
   * (OPERATION_RESULT_MAX_BYTES), and the oldest ids and results beyond the retention are dropped.
   * The store does it in the same atomic commit. A commit with only this (no patch, no events)
   * still makes a new version.
   */
  operation?: { id: string; digest: string };
}

/** Options of store.get(). */
export interface GetOptions {
  /**
   * Read for a decision on this operation id: the session's `operations` then holds at least its
   * entry when one is kept, and may omit every other entry (a store with a side table reads only
   * that one; without `operationId`, none). Without options, `get` returns the whole map.
   */
  operationId?: string;
}

/** The state after a committed change, and the events it appended (with their seq and timestamp). */
export interface CommitResult {
  session: Session;
  events: SessionEvent[];
  /**
   * Present only when the commit ran inside a transaction the caller owns (a SQLite database you
   * opened, with your own BEGIN): true once that transaction commits, false if it rolls back. Never
   * rejects. The manager holds listeners and webhooks for such a commit until it settles true.
   */
  settled?: Promise<boolean>;
}

/** Which events to read. Bounds are inclusive; all are optional. */
export interface EventRange {
  /** First seq to return (default 1). */
  fromSeq?: number;
  /** Last seq to return (default: the last event). */
  toSeq?: number;
  /** At most this many events, counted from `fromSeq`. */
  limit?: number;
  /** Only the last `last` events (oldest first). Cannot be combined with fromSeq/toSeq/limit. */
  last?: number;
}

/** Scalar values a metadata filter compares against, type-exact. */
export type MetadataFilterValue = string | number | boolean | null;

/**
 * Filters for list, count and stats; all given filters must match (AND). String comparisons are
 * exact and case-sensitive. Time bounds are inclusive and accept any ISO-8601 string.
 */
export interface SessionFilter {
  userId?: string;
  channelId?: string;
  mode?: string;
  /** One status, or any of several (a non-empty array). */
  status?: SessionStatus | SessionStatus[];
  createdAfter?: string;
  createdBefore?: string;
  updatedAfter?: string;
  updatedBefore?: string;
  /** Top-level metadata keys that must equal these values exactly (`"1"` does not match `1`). */
  metadata?: Record<string, MetadataFilterValue>;
}

/** A page request. Order: createdAt descending (newest first), ties broken by id descending. */
export interface ListQuery extends SessionFilter {
  /** Page size, 1 to 1000 (default 50). */
  limit?: number;
  /** The `nextCursor` of the previous page, issued for the same filter. */
  cursor?: string | null;
}

/** A record the store found damaged while answering. */
export interface CorruptRecordReport {
  id: string;
  code: "ERR_CORRUPT_RECORD" | "ERR_UNSUPPORTED_RECORD_VERSION";
  message: string;
}

/** One page of summaries. */
export interface SessionPage {
  items: SessionSummary[];
  /** Pass to the next list() call; null on the last page. */
  nextCursor: string | null;
  /** Damaged records matched by neither filter nor order (they cannot be read); empty on healthy storage. */
  corrupt: CorruptRecordReport[];
}

/** Statistics over the sessions matching a filter. */
export interface SessionStats {
  total: number;
  byStatus: Record<SessionStatus, number>;
  byMode: Record<string, number>;
  /** Sum of iterations / total (0 when there are no sessions); not rounded. */
  averageIterations: number;
  /** completed / total × 100 (0 when there are no sessions); not rounded. */
  successRate: number;
  /** Sum of eventCount. */
  events: number;
}

/** Which sessions prune removes. */
export interface PruneInput {
  /** Removes sessions whose updatedAt is strictly before this instant (ISO string, Date or epoch ms). */
  olderThan: string | number | Date;
  /** Default: the terminal statuses (completed, failed, timeout). */
  statuses?: SessionStatus[];
  /** Report what would be removed without removing anything. */
  dryRun?: boolean;
}

/** What prune removed (or would remove, on a dry run). */
export interface PruneResult {
  count: number;
  /** Sorted ascending. */
  ids: string[];
  dryRun: boolean;
}

/**
 * An inbox query: sessions with open input requests. All given filters must match; `tag` and
 * `expiringBefore` select requests (a session is listed with the requests that match).
 */
export interface InboxQuery {
  userId?: string;
  channelId?: string;
  /** Only requests carrying this tag. */
  tag?: string;
  /** Only requests whose expiresAt is before this instant (inclusive); requests without one never match. */
  expiringBefore?: string | number | Date;
  /** Sessions per page, 1 to 1000 (default 50). */
  limit?: number;
  /** The `nextCursor` of the previous page, issued for the same query. */
  cursor?: string | null;
}

/** One session waiting for input, with its open requests that match the query (oldest first). */
export interface InboxItem {
  session: SessionSummary;
  requests: InputRequest[];
}

/** One page of the inbox, in the list order (createdAt descending, then id descending). */
export interface InboxPage {
  items: InboxItem[];
  /** Pass to the next call; null on the last page (a store without an inbox index may return one more, empty page). */
  nextCursor: string | null;
  /**
   * Damaged records the query met, by id (as list's page.corrupt): never listed as items, never
   * failing the query; at least the ones the store's inbox held as awaiting input when damaged.
   */
  corrupt: CorruptRecordReport[];
}

/** Options of delete(). */
export interface DeleteOptions {
  /** When set, delete fails with ERR_VERSION_CONFLICT unless the session is at this version. */
  expectedVersion?: number;
}

/** Options of importSession(). */
export interface ImportOptions {
  /** Replace an existing session with the same id (default false: ERR_SESSION_EXISTS). */
  overwrite?: boolean;
}

/** Options of importMany(). */
export interface ImportManyOptions {
  /**
   * A session id the store already has: "fail" (default) stops with ERR_SESSION_EXISTS, "skip"
   * keeps the stored session, "overwrite" replaces it (ERR_SESSION_HELD when it is held).
   */
  onConflict?: "fail" | "skip" | "overwrite";
}

/** What importMany() wrote. */
export interface ImportManyResult {
  /** Ids written (new or replaced), in input order. */
  imported: string[];
  /** Ids skipped (onConflict "skip"), in input order. */
  skipped: string[];
}

/**
 * The storage contract every adapter meets, identically. Methods reject with SessionKitError
 * only; a raw driver error never escapes. Ids are validated (ERR_INVALID_ID) before any I/O.
 */
export interface SessionStore {
  /** The adapter's name, used as the prefix of its error messages. */
  readonly name: string;
  /** What this store can do; constant for the life of the store. */
  readonly capabilities: StoreCapabilities;
  /** The clock the store stamps createdAt, updatedAt and event timestamps with. */
  readonly clock: Clock;

  /** Creates a session at version 1 with the given first events; ERR_SESSION_EXISTS if the id is taken. */
  create(input: CreateSessionInput, options?: { events?: NewEvent[] }): Promise<CommitResult>;
  /** The session without its history, or null when there is none. ERR_CORRUPT_RECORD if it is damaged. */
  get(id: string, options?: GetOptions): Promise<Session | null>;
  /** The session with its whole history, consistent with each other, or null. */
  getWithHistory(id: string): Promise<(Session & { history: SessionEvent[] }) | null>;
  /**
   * Up to READ_BATCH_SIZE sessions with their histories, each as getWithHistory gives it, in one
   * or two queries where the store can (retention's chunks): one entry per id, in order, null for
   * an absent one; a damaged record is null too and reported in `corrupt`, never thrown.
   */
  getManyWithHistory(ids: string[]): Promise<SessionsWithHistory>;
  /**
   * Applies a patch and appends events as one atomic change: version + 1, updatedAt = now, events
   * numbered after the last one. ERR_SESSION_NOT_FOUND if missing; ERR_VERSION_CONFLICT (and no
   * change at all) if `expectedVersion` is stale. Concurrent commits never lose one another.
   */
  commit(id: string, input: CommitInput): Promise<CommitResult>;
  /** Events in seq order. ERR_SESSION_NOT_FOUND if the session does not exist. */
  readEvents(id: string, range?: EventRange): Promise<SessionEvent[]>;
  /** A page of summaries in the documented total order; cursors never skip or repeat a row. */
  list(query?: ListQuery): Promise<SessionPage>;
  /** How many sessions match the filter. */
  count(filter?: SessionFilter): Promise<number>;
  /** Statistics over the sessions matching the filter. */
  stats(filter?: SessionFilter): Promise<SessionStats>;
  /** Deletes a session and its history; true if it existed. Works on corrupt records too. */
  delete(id: string, options?: DeleteOptions): Promise<boolean>;
  /** Deletes sessions of the given statuses last changed before a cutoff, with their histories. */
  prune(input: PruneInput): Promise<PruneResult>;
  /**
   * Deletes each listed session if it is still at `expectedVersion` and not held, in one
   * transaction where the store has them (up to DELETE_BATCH_SIZE items); what became of each,
   * in order. A record that no longer decodes is kept ("changed").
   */
  deleteMany(items: Array<{ id: string; expectedVersion: number }>): Promise<DeleteOutcome[]>;
  /** Restores a session exactly as exported (timestamps, version and history kept). */
  importSession(session: Session, events: SessionEvent[], options?: ImportOptions): Promise<CommitResult>;
  /**
   * Imports many exported sessions in order, as importSession one after another would, in bulk when
   * the driver can (one transaction per call on SQLite and PostgreSQL). Each session is atomic. The
   * first record that fails stops it: the records before it are in the store, none after it, and
   * the error's details say where (`index`, `imported`, `skipped`).
   */
  importMany(
    records: ReadonlyArray<{ session: Session; events: SessionEvent[] }>,
    options?: ImportManyOptions,
  ): Promise<ImportManyResult>;
  /** Sessions with open input requests, in the list order, with cursors (see InboxQuery). */
  listAwaitingInput(query?: InboxQuery): Promise<InboxPage>;
  /**
   * A store-wide named lease, compare-and-set: stores `next` (null removes it) under `name` only if
   * the text held now is `expected` (null: none), atomically across handles and processes. It is
   * how applyRetention runs alone; ERR_UNSUPPORTED_CAPABILITY when the driver has no leases.
   * Texts are 1 to 4096 characters without NUL (what every store, PostgreSQL's text too, holds).
   */
  swapLease(name: string, expected: string | null, next: string | null): Promise<LeaseSwap>;
  /** The synchronous face of this store; ERR_UNSUPPORTED_CAPABILITY unless capabilities.sync. */
  sync(): SyncSessionStore;
  /**
   * A live feed of the scope's changes, in commit order, resumable from any item's cursor with no
   * gap and no repeat, across processes and restarts. ERR_UNSUPPORTED_CAPABILITY unless
   * capabilities.watch; aborting `signal` ends it; a close() of the store ends it with ERR_STORE_CLOSED.
   */
  watch(scope: WatchScope, options?: WatchOptions): AsyncIterable<WatchItem>;
  /** Waits for operations in flight, releases resources; later calls reject with ERR_STORE_CLOSED. Idempotent. */
  close(): Promise<void>;
}

/** What getManyWithHistory answers: one entry per id asked, in order, and the damaged records met. */
export interface SessionsWithHistory {
  /** The session with its history, or null when it is absent or damaged (then it is in `corrupt`). */
  sessions: Array<(Session & { history: SessionEvent[] }) | null>;
  corrupt: CorruptRecordReport[];
}

/** What deleteMany did to one session: removed, already gone, changed since it was read, or held. */
export type DeleteOutcome = "deleted" | "absent" | "changed" | "held";

/** What swapLease did: whether it stored `next`, and the text held under the name afterwards. */
export interface LeaseSwap {
  swapped: boolean;
  current: string | null;
}

/** The same contract, synchronous (embedded stores only). */
export interface SyncSessionStore {
  readonly name: string;
  create(input: CreateSessionInput, options?: { events?: NewEvent[] }): CommitResult;
  get(id: string, options?: GetOptions): Session | null;
  getWithHistory(id: string): (Session & { history: SessionEvent[] }) | null;
  commit(id: string, input: CommitInput): CommitResult;
  readEvents(id: string, range?: EventRange): SessionEvent[];
  list(query?: ListQuery): SessionPage;
  count(filter?: SessionFilter): number;
  stats(filter?: SessionFilter): SessionStats;
  delete(id: string, options?: DeleteOptions): boolean;
  prune(input: PruneInput): PruneResult;
  importSession(session: Session, events: SessionEvent[], options?: ImportOptions): CommitResult;
  importMany(
    records: ReadonlyArray<{ session: Session; events: SessionEvent[] }>,
    options?: ImportManyOptions,
  ): ImportManyResult;
}

export type { ChangeLogOptions } from "./watch-retention.js";
export type { WatchChange, WatchFilter, WatchItem, WatchOptions, WatchScope } from "./watch-types.js";
export type { JsonValue };
