import type { MaybePromise, StoreDriver } from "@sessionkit/core/driver";
import type { PoolLike } from "./pool.js";

/**
 * Sends start at least this far apart: a stream of appends costs at most one notification per
 * window per handle (measured 0.56 per append without the spacing, at load 12), and an idle handle's
 * first write is announced at once. Well under watch's cross-process delivery goal (p50 50 ms).
 */
const WINDOW_MS = 10;

/**
 * Announces this handle's committed writes on the change channel, after COMMIT and outside the
 * writer's transaction: a NOTIFY inside it holds a cluster-wide lock through the commit's WAL flush,
 * which made every writer wait for the others' flushes (migration 8's note). A NOTIFY-only transaction
 * writes no WAL, so it does not wait for a flush. Best effort, like every wake-up: a lost one costs a
 * watcher its backstop interval, never a change.
 */
export function createChangeNotifier(pool: PoolLike, channel: string) {
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | undefined;
  let wanted = false;
  let closed = false;
  let lastSent = Number.NEGATIVE_INFINITY;

  function send(): void {
    timer = undefined;
    wanted = false;
    lastSent = Date.now();
    sending = pool
      .query("SELECT pg_notify($1, '')", [channel])
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        sending = undefined;
        if (wanted && !closed) schedule();
      });
  }

  function schedule(): void {
    timer = setTimeout(send, Math.max(0, lastSent + WINDOW_MS - Date.now()));
    timer.unref();
  }

  return {
    /** A write committed: announce it soon. */
    wrote(): void {
      if (closed) return;
      if (timer !== undefined || sending !== undefined) {
        wanted = true;
        return;
      }
      schedule();
    },
    /** Sends what is pending now and waits for it (close() calls this before the pool ends). */
    async flush(): Promise<void> {
      closed = true;
      if (timer !== undefined) {
        clearTimeout(timer);
        send();
      }
      while (sending !== undefined) await sending;
      if (wanted) {
        send();
        await sending;
      }
    },
  };
}

/** The driver, with `wrote()` told after each write that committed (whatever it returned). */
export function announcingWrites(
  driver: StoreDriver,
  notifier: ReturnType<typeof createChangeNotifier>,
): StoreDriver {
  const announced =
    <A extends unknown[], R>(write: (...args: A) => MaybePromise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await write(...args);
      notifier.wrote();
      return result;
    };
  return {
    ...driver,
    insert: announced(driver.insert),
    commit: announced(driver.commit),
    delete: announced(driver.delete),
    ...(driver.prune ? { prune: announced(driver.prune) } : {}),
    ...(driver.importMany ? { importMany: announced(driver.importMany) } : {}),
    close: async () => {
      await notifier.flush();
      await driver.close();
    },
  };
}
