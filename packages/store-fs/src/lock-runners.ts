import type { HeldLock, LockManager } from "./lock.js";
import type { StorePaths } from "./paths.js";

/** Runs `fn` while holding the session's lock; the sync runner blocks, the async runner awaits. */
export type LockRunner = <T>(id: string, fn: (held: HeldLock) => T) => T | Promise<T>;

/** Options of the lock runners. */
export interface LockRunnerOptions {
  paths: StorePaths;
  locks: LockManager;
  /** Called after every release, outside any critical section (index compaction). */
  afterRelease(): void;
}

/**
 * The two ways the store's synchronous critical sections are entered: `blocking` (the sync face)
 * waits for a busy lock with Atomics.wait; `queued` (the async face) waits with timers, behind an
 * in-process queue per session, so callers of one handle never race each other for the lock.
 */
export function createLockRunners(options: LockRunnerOptions): { blocking: LockRunner; queued: LockRunner } {
  const { paths, locks, afterRelease } = options;
  const what = (id: string) => `Session ${JSON.stringify(id)}`;

  function runHeld<T>(held: HeldLock, fn: (held: HeldLock) => T): T {
    try {
      return fn(held);
    } finally {
      held.release();
      afterRelease();
    }
  }

  const blocking: LockRunner = (id, fn) =>
    runHeld(locks.acquireSync(paths.sessionDir(id), paths.lock(id), what(id)), fn);

  const queues = new Map<string, Promise<unknown>>();
  const queued: LockRunner = (id, fn) => {
    const previous = queues.get(id);
    if (!previous) {
      // Fast path: nobody in this process waits for this session; one attempt, no promise hop.
      const held = locks.tryAcquire(paths.sessionDir(id), paths.lock(id));
      if (held) return runHeld(held, fn);
    }
    const run = (async () => {
      if (previous) await previous.catch(() => undefined);
      return runHeld(await locks.acquireAsync(paths.sessionDir(id), paths.lock(id), what(id)), fn);
    })();
    queues.set(id, run);
    const forget = () => {
      if (queues.get(id) === run) queues.delete(id);
    };
    run.then(forget, forget);
    return run;
  };

  return { blocking, queued };
}
