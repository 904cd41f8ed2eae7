import type { Clock } from "./clock.js";
import { DEFAULT_MAX_PAYLOAD_BYTES, defineSessionStore } from "./define-store.js";
import type { StoreDriver } from "./driver.js";
import { errors } from "./errors.js";
import { type Session, type SessionEvent, toSummary } from "./model.js";
import { addToAggregate, compareForList, emptyAggregate, isAfterPosition, matchesFilter } from "./query.js";
import type { SessionStore, StoreCapabilities } from "./store.js";

export interface MemoryStoreOptions {
  /** Where timestamps come from (default: the system clock). */
  clock?: Clock;
  /** Largest JSON size of one record or event (default 16 MiB). */
  maxPayloadBytes?: number;
}

interface Entry {
  session: Session;
  events: SessionEvent[];
}

/** The capabilities of the in-memory store. */
export const memoryStoreCapabilities: StoreCapabilities = Object.freeze({
  persistent: false,
  multiHandle: false,
  multiProcess: false,
  crashSafe: false,
  sync: true,
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
});

/**
 * The in-memory driver: the reference every adapter is compared with. Records are copied on the
 * way in and out, so callers never share objects with the store.
 */
export function createMemoryDriver(options: MemoryStoreOptions = {}): StoreDriver {
  const name = "store-memory";
  const entries = new Map<string, Entry>();
  const clone = <T>(value: T): T => structuredClone(value);

  return {
    name,
    capabilities: {
      ...memoryStoreCapabilities,
      maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    },
    insert(session, events, { overwrite }) {
      if (!overwrite && entries.has(session.id)) throw errors.exists(name, session.id);
      entries.set(session.id, { session: clone(session), events: clone(events) });
    },
    get(id) {
      const entry = entries.get(id);
      return entry ? clone(entry.session) : null;
    },
    commit(id, plan) {
      const entry = entries.get(id);
      if (!entry) throw errors.notFound(name, id);
      const { next, events } = plan(clone(entry.session));
      entry.session = clone(next);
      for (const event of events) entry.events.push(clone(event));
      return clone(next);
    },
    readEvents(id, fromSeq, toSeq) {
      const entry = entries.get(id);
      if (!entry) throw errors.notFound(name, id);
      const end = toSeq === undefined ? entry.events.length : Math.min(toSeq, entry.events.length);
      return fromSeq > end ? [] : clone(entry.events.slice(fromSeq - 1, end));
    },
    list(filter, after, limit) {
      const rows = [];
      for (const { session } of entries.values()) {
        if (!matchesFilter(session, filter)) continue;
        if (after && !isAfterPosition(session, after)) continue;
        rows.push(session);
      }
      rows.sort(compareForList);
      return { items: rows.slice(0, limit).map((session) => clone(toSummary(session))), corrupt: [] };
    },
    stats(filter) {
      const aggregate = emptyAggregate();
      for (const { session } of entries.values()) {
        if (matchesFilter(session, filter)) addToAggregate(aggregate, session);
      }
      return aggregate;
    },
    delete(id, expectedVersion) {
      const entry = entries.get(id);
      if (!entry) return false;
      if (expectedVersion !== undefined && entry.session.version !== expectedVersion) {
        throw errors.conflict(name, id, expectedVersion, entry.session.version);
      }
      return entries.delete(id);
    },
    prune(statuses, before, dryRun) {
      const ids: string[] = [];
      for (const { session } of entries.values()) {
        if (statuses.includes(session.status) && session.updatedAt < before) ids.push(session.id);
      }
      if (!dryRun) for (const id of ids) entries.delete(id);
      return ids;
    },
    close() {
      entries.clear();
    },
  };
}

/** An in-memory SessionStore: for tests, prototypes and as the reference adapter. Nothing survives the process. */
export function createMemoryStore(options: MemoryStoreOptions = {}): SessionStore {
  return defineSessionStore(createMemoryDriver(options), options.clock ? { clock: options.clock } : {});
}
