/** The keys of one store: everything lives under `prefix:`, so two stores on one server never meet. */
export interface StoreKeys {
  /** Hash {v: version, rec: record JSON} of one session. */
  session(id: string): string;
  /** List of the session's event JSON, event seq n at index n-1. */
  events(id: string): string;
  /** Set of every session id: the index list, stats, prune and count read (never KEYS). */
  ids: string;
  /** The pattern `verify` and the tests SCAN with. */
  pattern: string;
}

export function storeKeys(prefix: string): StoreKeys {
  return {
    session: (id) => `${prefix}:s:${id}`,
    events: (id) => `${prefix}:e:${id}`,
    ids: `${prefix}:ids`,
    pattern: `${prefix}:*`,
  };
}
