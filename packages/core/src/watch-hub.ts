import { errors, isSessionKitError } from "./errors.js";
import type { SessionEvent } from "./model.js";
import { createAbortFanout } from "./watch-abort.js";
import type { ParsedScope } from "./watch-scope.js";
import type { ChangeFeed, ChangeRecord } from "./watch-types.js";
import { createWaiterIndex, type Waiter } from "./watch-waiters.js";

/** A change and its events, read at most once per handle however many watchers want them. */
export interface HubEntry {
  change: ChangeRecord;
  events(): Promise<SessionEvent[]>;
}

/** Reads events for a change; the session may be gone since (deleted later): then none. */
export type EventReader = (id: string, fromSeq: number, toSeq: number) => Promise<SessionEvent[]>;

/** Changes kept in memory for caught-up watchers; one who falls further behind reads the store itself. */
const WINDOW = 256;
/** Changes per read of the log. */
export const PAGE = 256;

function entryOf(change: ChangeRecord, readEvents: EventReader): HubEntry {
  let memo: Promise<SessionEvent[]> | undefined;
  return {
    change,
    events() {
      if (change.toSeq < change.fromSeq) return Promise.resolve([]);
      memo ??= readEvents(change.sessionId, change.fromSeq, change.toSeq).catch((error: unknown) => {
        if (isSessionKitError(error, "ERR_SESSION_NOT_FOUND")) return [];
        memo = undefined;
        throw error;
      });
      return memo;
    },
  };
}

/**
 * One per store handle: the shared wake-up and the shared read of the change log. However many
 * watchers wait, a commit costs at most one read of the log (and one read of its events) per
 * handle, and none when the wake-up names a session no watcher follows; it wakes only the watchers
 * the change concerns (watch-waiters.ts). The driver's wake-up runs only while someone watches.
 * Caught-up watchers read the in-memory window;
 * the window is bounded (WINDOW changes), so a slow consumer costs nothing here: once it falls
 * behind the window it re-reads the store from its own position (back-pressure by replay).
 */
export function createWatchHub(feed: ChangeFeed, readEvents: EventReader, component: string) {
  let window: HubEntry[] = [];
  /** The window holds every change with windowFrom < pos <= head. */
  let windowFrom = 0;
  let head = -1;
  let members = 0;
  let stopWake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;
  let dirty = false;
  let closed = false;
  const waiters = createWaiterIndex();
  const aborts = createAbortFanout();

  /**
   * The next page after this handle's head. A handle that fell further behind than the log keeps
   * (more changes than it retains between two refreshes) starts its window afresh at the store's
   * head: its waiters wake, read from their own positions and get ERR_CURSOR_EXPIRED from the store
   * (the error used to be swallowed by the wake-up, and they waited forever).
   */
  async function readAfterHead(): Promise<ChangeRecord[]> {
    try {
      return await feed.read(head, PAGE);
    } catch (error) {
      if (!isSessionKitError(error, "ERR_CURSOR_EXPIRED")) throw error;
      restartAt(await feed.head());
      return [];
    }
  }

  /** An empty window at the store's head; a waiter behind it was never checked here: it reads the store. */
  function restartAt(storeHead: number): void {
    head = storeHead;
    windowFrom = head;
    window = [];
    waiters.wakeBehind(head);
  }

  async function refreshOnce(): Promise<void> {
    if (head < 0) restartAt(await feed.head());
    for (;;) {
      const batch = await readAfterHead();
      const fresh = batch.filter((change) => change.pos > head);
      for (const change of fresh) window.push(entryOf(change, readEvents));
      if (fresh.length > 0) head = fresh[fresh.length - 1]!.pos;
      waiters.settle(fresh, head);
      if (batch.length < PAGE) break;
    }
    if (window.length > WINDOW) {
      const dropped = window.splice(0, window.length - WINDOW);
      windowFrom = dropped[dropped.length - 1]!.change.pos;
    }
  }

  /** Coalesced: a wake-up during a read runs one more read after it, never a pile of them. */
  function refresh(): Promise<void> {
    if (refreshing) {
      dirty = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        do {
          dirty = false;
          await refreshOnce();
        } while (dirty && !closed);
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  /** `sessionId`: the one session the change touched, when the waker knows it (a hint, like the wake-up). */
  const wake = (sessionId?: string) => {
    if (closed || members === 0) return;
    // A change nobody here follows is read later, with the next one somebody does (the window
    // lags meanwhile; a watcher that starts waiting reads at once).
    if (waiters.concerned(sessionId)) refresh().catch(() => undefined);
  };

  function join(): void {
    members += 1;
    if (members > 1) return;
    stopWake = feed.subscribe(wake);
    // Not unref'd: like an open socket, a waiting watcher keeps the process alive (a script whose
    // only work is `for await (… of store.watch(…))` must not exit); abort or close() ends it.
    timer = setInterval(() => wake(), feed.pollMs ?? 1000);
  }

  function leave(): void {
    members -= 1;
    if (members > 0) return;
    stopWake?.();
    stopWake = undefined;
    clearInterval(timer);
    // Nobody watches: the window would go stale without the wake-up; start afresh next time.
    head = -1;
    window = [];
  }

  return {
    /** Registers a watcher of `scope`; returns its idempotent leave. */
    join(scope: ParsedScope): () => void {
      if (closed) throw errors.closed(component);
      const uncount = waiters.join(scope);
      join();
      let left = false;
      return () => {
        if (left) return;
        left = true;
        uncount();
        leave();
      };
    },

    /** Changes with pos > after, at most PAGE: from the window when it covers `after`, else from the store. */
    async read(after: number): Promise<HubEntry[]> {
      if (head >= 0 && after >= windowFrom && after <= head) {
        let low = 0;
        let high = window.length;
        while (low < high) {
          const mid = (low + high) >> 1;
          if (window[mid]!.change.pos <= after) low = mid + 1;
          else high = mid;
        }
        return window.slice(low, low + PAGE);
      }
      let batch: ChangeRecord[];
      try {
        batch = await feed.read(after, PAGE);
      } catch (error) {
        // A read cut short by close() (a pool that ends, a connection timeout) is the close, not an I/O fault.
        if (closed) throw errors.closed(component);
        throw error;
      }
      return batch.map((change) => entryOf(change, readEvents));
    },

    /**
     * Resolves once a change past `pos` that concerns `scope` may exist (or on abort), with the
     * position to read on from: every change up to it was checked and is not the scope's. Rejects
     * when the store closes.
     */
    waitPast(pos: number, scope: ParsedScope, signal?: AbortSignal): Promise<number> {
      if (closed) return Promise.reject(errors.closed(component));
      if (head > pos || signal?.aborted) return Promise.resolve(pos);
      return new Promise<number>((resolve, reject) => {
        const waiter: Waiter = {
          pos,
          scope,
          resolve: (from) => {
            offAbort();
            resolve(from);
          },
          reject: (error) => {
            offAbort();
            reject(error);
          },
        };
        const offAbort = aborts.on(signal, () => {
          waiters.remove(waiter);
          resolve(waiter.pos);
        });
        waiters.add(waiter);
        // The window may lag (a quiet spell, a skipped wake-up, a cursor ahead): read at once. Only
        // a watcher back from its consumer or new gets here; one that nothing concerned sleeps on.
        wake();
      });
    },

    /** Runs `callback` when `signal` aborts, through one listener per signal (watch-abort.ts); returns its removal. */
    onAbort: aborts.on,

    /** The latest committed pos, read from the store. */
    head: async (): Promise<number> => feed.head(),

    /** A hint from this handle's own commits: read without waiting for the driver's wake-up. */
    wake,

    /** Ends every waiting watcher with ERR_STORE_CLOSED and stops the wake-up. */
    close(): void {
      closed = true;
      stopWake?.();
      stopWake = undefined;
      clearInterval(timer);
      waiters.rejectAll(errors.closed(component));
    },
  };
}

/** The hub type. */
export type WatchHub = ReturnType<typeof createWatchHub>;
