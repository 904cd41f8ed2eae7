import type { Flusher } from "./flush.js";
import type { HeldLock, LockManager } from "./lock.js";
import type { StorePaths } from "./paths.js";

/**
 * How long a held lease outlives its last commit. A run of appends to one session (an agent's
 * steps) keeps the lock, so each append costs its log write and no mkdir/rmdir of a lock
 * directory (half of a commit before). Short, so another process waits at most this long when the
 * holder goes quiet; a waiter that signals is served at the holder's next commit.
 */
export const LEASE_IDLE_MS = 50;

/** What a critical section gets: the lock, and what the last section of this lease left for the next. */
export interface Lease<C> {
  held: HeldLock;
  /** Set by a commit (the open log and the state it wrote); valid only while the lock stays held. */
  cache: C | undefined;
  /** Set by a commit whose fdatasync is deferred until after the section (group commit). */
  flush?: PendingFlush;
}

/** A log to flush once the section is over; `fd` is usable only while the lease is still kept. */
export interface PendingFlush {
  path: string;
  fd?: number;
}

/** Runs `fn` while holding the session's lock; `keep`: a commit, after which the lock may stay leased. */
export type LockRunner<C> = <T>(id: string, fn: (lease: Lease<C>) => T, keep?: boolean) => T | Promise<T>;

/** Options of the lock runners. */
export interface LockRunnerOptions<C> {
  paths: StorePaths;
  locks: LockManager;
  /** The lock's stale time: a lease unused for half of it is checked out afresh. */
  staleMs: number;
  /** Called after every release, outside any critical section (index compaction). */
  afterRelease(): void;
  /** Frees what a lease's cache holds (its open log) when the lease ends. */
  dispose(cache: C): void;
  /**
   * Writes what a lease's cache kept back (its summary), under the lock: when the lease ends, and
   * before any other operation (a delete, an insert, a prune) runs on the session.
   */
  settle(cache: C, held: HeldLock): void;
  /** Runs the fdatasyncs commits deferred past their sections. */
  flusher: Flusher;
}

interface LiveLease<C> extends Lease<C> {
  lastUsed: number;
}

const everyRunner = new Set<() => void>();
let exitHookInstalled = false;

/** Leases are released on a normal exit; a killed process leaves its locks to the stale-lock rule. */
function onExit(releaseAll: () => void): () => void {
  everyRunner.add(releaseAll);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const release of everyRunner) release();
    });
  }
  return () => everyRunner.delete(releaseAll);
}

/**
 * The two ways the store's synchronous critical sections are entered: `blocking` (the sync face)
 * waits for a busy lock with Atomics.wait; `queued` (the async face) waits with timers, behind an
 * in-process queue per session, so callers of one handle never race each other for the lock.
 *
 * Held leases: a commit that follows another commit of the same session within LEASE_IDLE_MS keeps
 * the lock afterwards (a single commit still releases at once). The lease ends when idle for
 * LEASE_IDLE_MS (a timer sweeps), at once when another process has left a `waiting` marker in the
 * lock directory (checked after every commit and by the sweep), on any error inside a critical
 * section, after a delete, insert or prune, on close(), and on process exit.
 */
export function createLockRunners<C>(options: LockRunnerOptions<C>) {
  const { paths, locks, staleMs, afterRelease, dispose, settle, flusher } = options;
  const what = (id: string) => `Session ${JSON.stringify(id)}`;
  const leases = new Map<string, LiveLease<C>>();
  /** When a commit last released each session, to lease from the second commit of a run on. */
  const recent = new Map<string, number>();
  let sweeper: ReturnType<typeof setInterval> | undefined;

  function end(id: string, lease: Lease<C>): void {
    if (leases.get(id) === lease) leases.delete(id);
    const cache = lease.cache;
    lease.cache = undefined;
    try {
      if (cache !== undefined) {
        try {
          settle(cache, lease.held);
        } finally {
          dispose(cache);
        }
      }
    } finally {
      lease.held.release();
      afterRelease();
    }
  }

  function sweep(): void {
    const now = Date.now();
    for (const [id, lease] of leases) {
      if (now - lease.lastUsed >= LEASE_IDLE_MS || lease.held.wanted()) {
        try {
          end(id, lease);
        } catch {}
      }
    }
    for (const [id, at] of recent) if (now - at >= LEASE_IDLE_MS) recent.delete(id);
    if (leases.size === 0 && recent.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  }

  function ensureSweeper(): void {
    if (sweeper) return;
    sweeper = setInterval(sweep, Math.ceil(LEASE_IDLE_MS / 2));
    sweeper.unref();
  }

  function finish(id: string, lease: LiveLease<C>, keep: boolean): void {
    const now = Date.now();
    const leased = leases.get(id) === lease;
    const run = leased || now - (recent.get(id) ?? Number.NEGATIVE_INFINITY) < LEASE_IDLE_MS;
    if (keep && run && !lease.held.wanted()) {
      lease.lastUsed = now;
      leases.set(id, lease);
      recent.delete(id);
      ensureSweeper();
      return;
    }
    end(id, lease);
    if (keep) {
      recent.set(id, now);
      ensureSweeper();
    }
  }

  /** Runs one critical section; returns its result and the flush it deferred, the lock already released or kept. */
  function section<T>(
    id: string,
    lease: LiveLease<C>,
    fn: (lease: Lease<C>) => T,
    keep: boolean,
  ): [T, PendingFlush | undefined] {
    let result: T;
    try {
      if (!keep && lease.cache !== undefined) settle(lease.cache, lease.held);
      result = fn(lease);
    } catch (error) {
      lease.flush = undefined;
      end(id, lease);
      throw error;
    }
    const pending = lease.flush;
    lease.flush = undefined;
    finish(id, lease, keep);
    if (pending && leases.get(id) !== lease) pending.fd = undefined;
    return [result, pending];
  }

  function flushedSync<T>([result, pending]: [T, PendingFlush | undefined]): T {
    if (pending) flusher.flushSync(pending.path, pending.fd);
    return result;
  }

  function flushedAsync<T>([result, pending]: [T, PendingFlush | undefined]): T | Promise<T> {
    return pending ? flusher.flushAsync(pending.path).then(() => result) : result;
  }

  const fresh = (held: HeldLock): LiveLease<C> => ({ held, cache: undefined, lastUsed: 0 });

  /**
   * The session's lease, if it is certainly still ours. Renewed at every commit, a lease unused for
   * less than half the stale time cannot have been judged stale; one older than that (the event loop
   * was blocked past the idle sweep) is ended and the lock taken again, so the caller never sees a
   * lock lost while nobody was using it.
   */
  function leaseOf(id: string): LiveLease<C> | undefined {
    const lease = leases.get(id);
    if (lease && Date.now() - lease.lastUsed >= staleMs / 2) {
      try {
        end(id, lease);
      } catch {}
      return undefined;
    }
    return lease;
  }

  const blocking: LockRunner<C> = (id, fn, keep = false) =>
    flushedSync(
      section(
        id,
        leaseOf(id) ?? fresh(locks.acquireSync(paths.sessionDir(id), paths.lock(id), what(id))),
        fn,
        keep,
      ),
    );

  const queues = new Map<string, Promise<unknown>>();
  const tryFresh = (id: string) => {
    const held = locks.tryAcquire(paths.sessionDir(id), paths.lock(id));
    return held ? fresh(held) : null;
  };
  const queued: LockRunner<C> = (id, fn, keep = false) => {
    const previous = queues.get(id);
    if (!previous) {
      // Fast path: nobody in this process waits for this session; a lease or one attempt, no promise hop.
      const lease = leaseOf(id) ?? tryFresh(id);
      if (lease) return flushedAsync(section(id, lease, fn, keep));
    }
    // The queue waits for the previous section only, not its flush: the next commit appends while
    // the previous one's fdatasync runs, and the two share the following flush.
    const run = (async () => {
      if (previous) await previous.catch(() => undefined);
      const lease =
        leaseOf(id) ?? fresh(await locks.acquireAsync(paths.sessionDir(id), paths.lock(id), what(id)));
      return section(id, lease, fn, keep);
    })();
    queues.set(id, run);
    const forget = () => {
      if (queues.get(id) === run) queues.delete(id);
    };
    run.then(forget, forget);
    return run.then(flushedAsync);
  };

  function releaseAll(): void {
    for (const [id, lease] of [...leases]) {
      try {
        end(id, lease);
      } catch {}
    }
    recent.clear();
    if (sweeper) clearInterval(sweeper);
    sweeper = undefined;
  }
  const forgetExit = onExit(releaseAll);

  return {
    blocking,
    queued,
    /**
     * Takes, without waiting, the locks of those `ids` that are free (or leased by us) and that no
     * caller of this handle is queued for; the others are `busy`, for the caller to take one by one.
     */
    takeFree(ids: string[]): { taken: Array<{ id: string; lease: Lease<C> }>; busy: string[] } {
      const taken: Array<{ id: string; lease: Lease<C> }> = [];
      const busy: string[] = [];
      for (const id of ids) {
        const held = queues.has(id) ? null : (leaseOf(id) ?? tryFresh(id));
        if (held?.cache !== undefined) settle(held.cache, held.held);
        if (held) taken.push({ id, lease: held });
        else busy.push(id);
      }
      return { taken, busy };
    },
    /** Releases what takeFree took (its leases end too). */
    endAll(taken: Array<{ id: string; lease: Lease<C> }>): void {
      for (const { id, lease } of taken) {
        try {
          end(id, lease);
        } catch {}
      }
    },
    /** Ends every lease (store close). */
    close() {
      releaseAll();
      forgetExit();
    },
  };
}
