import { cursorExpired, trimSlack } from "./watch-retention.js";
import type { ChangeFeed, ChangeRecord, NewChange } from "./watch-types.js";

/**
 * The in-memory change log: an array in commit order (pos = dropped + index + 1) and in-process
 * listeners. It keeps the newest `maxLength` changes (a little more between trims): unbounded, a
 * long-lived process grew it by one object per commit forever, deleted sessions included.
 */
export function createMemoryChangeLog(name: string, maxLength: number) {
  let changes: ChangeRecord[] = [];
  /** How many of the oldest changes were trimmed: the oldest kept has pos dropped + 1. */
  let dropped = 0;
  const slack = trimSlack(maxLength);
  const listeners = new Set<(sessionId?: string) => void>();
  const feed: ChangeFeed = {
    read(after, limit) {
      // "start" (after 0) reads what is kept; a cursor inside what was trimmed is refused.
      if (after > 0 && after < dropped) throw cursorExpired(name, after, dropped + 1, maxLength);
      const from = Math.max(0, Math.min(after - dropped, changes.length));
      return changes.slice(from, from + limit).map((change) => structuredClone(change));
    },
    head: () => dropped + changes.length,
    // Every change calls every listener, in-process: nothing to back stop.
    pollMs: Number.POSITIVE_INFINITY,
    subscribe(wake) {
      listeners.add(wake);
      return () => listeners.delete(wake);
    },
  };
  return {
    feed,
    record(change: NewChange): void {
      changes.push({ ...change, pos: dropped + changes.length + 1 });
      if (changes.length >= maxLength + slack) {
        dropped += changes.length - maxLength;
        changes = changes.slice(changes.length - maxLength);
      }
      for (const wake of listeners) queueMicrotask(() => wake(change.sessionId));
    },
    clear(): void {
      changes = [];
      listeners.clear();
    },
  };
}
