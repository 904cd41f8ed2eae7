import type { SessionStatus } from "@sessionkit/core/driver";

/**
 * The keys of one store: everything lives under `prefix:`, so two stores on one server never meet.
 * Index keys are built from filter values; a value is part of the key as it is (any bytes), behind
 * a fixed tag, so `u:a:b` (user "a:b") and a metadata key can never collide.
 */
export interface StoreKeys {
  /** Hash of one session: v (version), rec (record JSON) and the index fields (see index-entry.ts). */
  session(id: string): string;
  /** List of the session's event JSON, event seq n at index n-1. */
  events(id: string): string;
  /** `prefix:s:`: the session key without its id, for the query script. */
  sessionPrefix: string;
  /** Sorted set (all scores 0) of `createdAt|id`, every session: the store's total order. */
  all: string;
  /** Same members, sessions of one userId / channelId / mode / status / indexable metadata entry. */
  byUser(userId: string): string;
  byChannel(channelId: string): string;
  byMode(mode: string): string;
  byStatus(status: SessionStatus): string;
  byMetadata(key: string, encodedValue: string): string;
  /** Same members, sessions active or paused with at least one open input request. */
  inbox: string;
  /** Sorted set of `updatedAt|id` per status: what prune reads. */
  pruneOrder(status: SessionStatus): string;
  /** Hash of running totals (n, st:<status>, md:<mode>, it, ec): unfiltered stats in one read. */
  totals: string;
  /** Counter: the pos of the latest change (INCR inside every write script). */
  changePos: string;
  /** Stream of changes, entry id `<pos>-0`, trimmed with MAXLEN ~. */
  changes: string;
  /** String: the text of one named store lease (see swapLease). */
  lease(name: string): string;
  /** The pattern `verify` and the tests SCAN with. */
  pattern: string;
}

export function storeKeys(prefix: string): StoreKeys {
  return {
    session: (id) => `${prefix}:s:${id}`,
    events: (id) => `${prefix}:e:${id}`,
    sessionPrefix: `${prefix}:s:`,
    all: `${prefix}:x:all`,
    byUser: (userId) => `${prefix}:x:u:${userId}`,
    byChannel: (channelId) => `${prefix}:x:c:${channelId}`,
    byMode: (mode) => `${prefix}:x:m:${mode}`,
    byStatus: (status) => `${prefix}:x:st:${status}`,
    byMetadata: (key, encodedValue) => `${prefix}:x:md:${key}=${encodedValue}`,
    inbox: `${prefix}:x:inbox`,
    pruneOrder: (status) => `${prefix}:x:pu:${status}`,
    totals: `${prefix}:totals`,
    changePos: `${prefix}:cpos`,
    changes: `${prefix}:changes`,
    lease: (name) => `${prefix}:lease:${name}`,
    pattern: `${prefix}:*`,
  };
}
