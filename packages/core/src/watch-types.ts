import type { MaybePromise } from "./driver.js";
import type { SessionEvent, SessionStatus } from "./model.js";

/** Which sessions a watcher follows: one session id, or every session matching all given fields. */
export type WatchScope = string | WatchFilter;

/** A watch filter: exact, case-sensitive matches, ANDed; `{}` follows the whole store. */
export interface WatchFilter {
  userId?: string;
  channelId?: string;
  mode?: string;
  /** One status, or any of several. */
  status?: SessionStatus | SessionStatus[];
}

/** Options of store.watch(). */
export interface WatchOptions {
  /**
   * Where to resume, strictly after: the `cursor` of an earlier item (any process, any handle on
   * the same storage); for a one-session scope also a seq (`0` replays the whole history); or
   * `"start"` for everything the store's change log holds. Default: only what is committed from now.
   */
  since?: string | number;
  /** Aborting ends the iteration (the pending `next()` resolves done) and frees its resources. */
  signal?: AbortSignal;
}

/**
 * What a change did. One commit yields one item per event it appended, all sharing the commit's
 * `change`; a commit that appended none (a state-only commit, a create without events, a delete)
 * yields exactly one item without `event`.
 */
export interface WatchChange {
  /**
   * "created" (create or import), "committed" (a commit), "deleted" (delete or prune), or
   * "replayed": an event read back from the session's history for a seq `since`, whose commit's
   * place in the store-wide order is no longer known (only events are replayed that way).
   */
  kind: "created" | "committed" | "deleted" | "replayed";
  /** The session's version after the change (deleted: its last version); absent for "replayed". */
  version?: number;
  /** The session's status after the change (deleted: its last status); absent when unknown. */
  status?: SessionStatus;
}

/** One item of a watch. */
export interface WatchItem {
  /** Opaque; pass it as `since` to resume strictly after this item, in any process. */
  cursor: string;
  sessionId: string;
  change: WatchChange;
  /** The event, when the change appended events (one item per event, in seq order). */
  event?: SessionEvent;
}

/** The filterable fields of a session at one change, as the change log keeps them. */
export interface ChangeFacts {
  mode: string;
  status: SessionStatus;
  userId?: string;
  channelId?: string;
}

/** A change as a driver records it, atomically with the change itself. */
export interface NewChange {
  sessionId: string;
  kind: "created" | "committed" | "deleted";
  /** The version after the change (deleted: the last version). */
  version: number;
  /** Events appended are fromSeq..toSeq inclusive; toSeq = fromSeq - 1 when none were. */
  fromSeq: number;
  toSeq: number;
  /** The facts after the change (deleted: before it); absent when unknown (a damaged record deleted). */
  after?: ChangeFacts;
  /** The facts before a commit, so a watcher also sees a session leave its filter. */
  before?: ChangeFacts;
}

/** A recorded change with its place in the store-wide commit order. */
export interface ChangeRecord extends NewChange {
  /** A positive safe integer, strictly increasing in commit order, never reused by this storage. */
  pos: number;
}

/**
 * A driver's store-wide change log, in commit order. The wake-up is only a hint: the wrapper
 * always re-reads the log from its position, so a lost or spurious wake-up costs latency only.
 */
export interface ChangeFeed {
  /** Up to `limit` changes with pos > `after`, ascending; only committed changes. */
  read(after: number, limit: number): MaybePromise<ChangeRecord[]>;
  /** The pos of the latest committed change (0 when there is none). */
  head(): MaybePromise<number>;
  /**
   * Starts the wake-up and returns its stop; the wrapper runs one per store handle, while it has
   * watchers. A driver that knows which session a change touched passes its id: a wake-up for a
   * session nobody on the handle follows then costs no read of the log.
   */
  subscribe(wake: (sessionId?: string) => void): () => void;
  /**
   * Milliseconds between backstop re-reads while watchers wait (default 1000); `Infinity` when
   * the wake-up can miss nothing (in-process listeners), so no backstop runs.
   */
  pollMs?: number;
}
