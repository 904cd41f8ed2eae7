import type { SessionStore, WatchItem, WatchOptions, WatchScope } from "@sessionkit/core";

/** Real-time bound for a watcher to see what was committed (a hang is reported, never waited out). */
export const WATCH_DEADLINE_MS = 20_000;

/** A running watch: its items so far, and `until` to wait for a condition on them. */
export interface Collector {
  items: WatchItem[];
  /** Resolves once `done(items)` holds; rejects after WATCH_DEADLINE_MS with what was received. */
  until(done: (items: WatchItem[]) => boolean, what: string): Promise<WatchItem[]>;
  /** Aborts the watch and waits for its iteration to end. */
  stop(): Promise<void>;
  /** The error the iteration ended with, if any. */
  error(): unknown;
}

/** Starts iterating `store.watch(scope, options)` in the background. */
export function collect(
  store: Pick<SessionStore, "watch">,
  scope: WatchScope,
  options: Omit<WatchOptions, "signal"> = {},
): Collector {
  const controller = new AbortController();
  const items: WatchItem[] = [];
  const checks = new Set<() => void>();
  let failure: unknown;
  const iterable = store.watch(scope, { ...options, signal: controller.signal });
  const done = (async () => {
    try {
      for await (const item of iterable) {
        items.push(item);
        for (const check of [...checks]) check();
      }
    } catch (error) {
      failure = error;
    }
    for (const check of [...checks]) check();
  })();
  return {
    items,
    until(condition, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          checks.delete(check);
          reject(
            new Error(
              `${what}: not seen within ${WATCH_DEADLINE_MS} ms; got ${items.length} items: ${describeItems(items.slice(-8))}${failure ? `; watch failed: ${String((failure as Error).message ?? failure)}` : ""}`,
            ),
          );
        }, WATCH_DEADLINE_MS);
        const check = () => {
          if (condition(items)) {
            clearTimeout(timer);
            checks.delete(check);
            resolve(items);
          } else if (failure) {
            clearTimeout(timer);
            checks.delete(check);
            reject(failure);
          }
        };
        checks.add(check);
        check();
      });
    },
    async stop() {
      controller.abort();
      await done;
    },
    error: () => failure,
  };
}

/** A short text of items: kind, session tail and seq. */
export function describeItems(items: WatchItem[]): string {
  return items
    .map((item) => `${item.change.kind}:${item.sessionId.slice(-6)}${item.event ? `#${item.event.seq}` : ""}`)
    .join(" ");
}

/** The seqs of the events among `items` for one session. */
export function seqsOf(items: WatchItem[], id: string): number[] {
  return items.filter((item) => item.sessionId === id && item.event).map((item) => item.event!.seq);
}

/** 1..n */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, index) => index + 1);
}
