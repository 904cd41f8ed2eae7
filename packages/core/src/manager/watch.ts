import type { SessionStore, WatchItem, WatchOptions, WatchScope } from "../store.js";

/** The manager's watch: the store's own feed (commits of every process, not only this manager's). */
export function watchSessions(
  store: SessionStore,
  guard: () => void,
): (scope: WatchScope, options?: WatchOptions) => AsyncIterable<WatchItem> {
  return (scope, options) => {
    guard();
    return store.watch(scope, options);
  };
}
