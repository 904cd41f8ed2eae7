import type { Session, SessionEvent, SessionStatus, SessionSummary } from "./model.js";
import type { CorruptRecordReport, MetadataFilterValue, StoreCapabilities } from "./store.js";

/** A value, or a promise of it: sync drivers return values, async ones promises. */
export type MaybePromise<T> = T | Promise<T>;

/** A filter after parsing: every time bound a normalised ISO string, statuses de-duplicated. */
export interface ParsedFilter {
  userId?: string;
  channelId?: string;
  mode?: string;
  statuses?: SessionStatus[];
  /** Inclusive bounds on createdAt / updatedAt. */
  createdFrom?: string;
  createdTo?: string;
  updatedFrom?: string;
  updatedTo?: string;
  /** Sorted by key. */
  metadata?: Array<[string, MetadataFilterValue]>;
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
  next: Session;
  events: SessionEvent[];
}

/**
 * The small interface an adapter implements; `defineSessionStore` turns it into a full
 * SessionStore. Inputs arrive validated (ids, payloads, queries, sizes, closed state), so a
 * driver only persists. Every method may be sync or async; a sync driver also gets `store.sync()`.
 * Throw SessionKitError for contract outcomes (not found, exists, corrupt, busy); anything else
 * is wrapped as ERR_STORE_IO.
 */
export interface StoreDriver {
  /** Short name, the prefix of error messages ("store-fs"). */
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /** Persist a new session and its events atomically; ERR_SESSION_EXISTS if the id is taken (unless overwrite). */
  insert(session: Session, events: SessionEvent[], options: { overwrite: boolean }): MaybePromise<void>;
  /** The session, null if absent; ERR_CORRUPT_RECORD / ERR_UNSUPPORTED_RECORD_VERSION if unreadable. */
  get(id: string): MaybePromise<Session | null>;
  /**
   * Exclusively for this session (no other commit, delete or insert of it in between, in any
   * process): read the current session, call `plan(current)`, persist `next` and append `events`
   * atomically, return `next`. If `plan` throws, change nothing and rethrow. ERR_SESSION_NOT_FOUND if absent.
   */
  commit(id: string, plan: (current: Session) => CommitPlan): MaybePromise<Session>;
  /** Events with fromSeq <= seq <= toSeq (toSeq undefined: to the end), ascending. ERR_SESSION_NOT_FOUND if absent. */
  readEvents(id: string, fromSeq: number, toSeq: number | undefined): MaybePromise<SessionEvent[]>;
  /** Optional fast path for the last `count` events (oldest first). */
  readLastEvents?(id: string, count: number): MaybePromise<SessionEvent[]>;
  /**
   * Up to `limit` summaries matching `filter`, ordered createdAt desc then id desc, strictly after
   * `after` in that order when given; plus any damaged records met.
   */
  list(
    filter: ParsedFilter,
    after: ListPosition | undefined,
    limit: number,
  ): MaybePromise<{
    items: SessionSummary[];
    corrupt: CorruptRecordReport[];
  }>;
  /** Aggregates over the sessions matching `filter`. */
  stats(filter: ParsedFilter): MaybePromise<StatsAggregate>;
  /** How many sessions match `filter` (defaults to stats().total when absent). */
  count?(filter: ParsedFilter): MaybePromise<number>;
  /**
   * Delete the session and its events; false if absent. With `expectedVersion`, read it under the
   * same exclusivity as commit and throw ERR_VERSION_CONFLICT if it differs. Must work on corrupt
   * records when no version is expected.
   */
  delete(id: string, expectedVersion: number | undefined): MaybePromise<boolean>;
  /** Ids (ascending) of sessions with a status in `statuses` and updatedAt < `before`; deleted unless dryRun. */
  prune(statuses: SessionStatus[], before: string, dryRun: boolean): MaybePromise<string[]>;
  /** Release resources this driver opened. */
  close(): MaybePromise<void>;
}

export type { SessionEvent };
