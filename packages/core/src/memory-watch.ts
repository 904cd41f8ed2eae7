import type { ChangeFeed, ChangeRecord, NewChange } from "./watch-types.js";

/**
 * The in-memory change log: an array in commit order (pos = index + 1) and in-process listeners.
 * It keeps every change for the life of the store, as the store keeps every event.
 */
export function createMemoryChangeLog() {
  const changes: ChangeRecord[] = [];
  const listeners = new Set<(sessionId?: string) => void>();
  const feed: ChangeFeed = {
    read(after, limit) {
      const from = Math.max(0, Math.min(after, changes.length));
      return changes.slice(from, from + limit).map((change) => structuredClone(change));
    },
    head: () => changes.length,
    subscribe(wake) {
      listeners.add(wake);
      return () => listeners.delete(wake);
    },
  };
  return {
    feed,
    record(change: NewChange): void {
      changes.push({ ...change, pos: changes.length + 1 });
      for (const wake of listeners) queueMicrotask(() => wake(change.sessionId));
    },
    clear(): void {
      changes.length = 0;
      listeners.clear();
    },
  };
}
