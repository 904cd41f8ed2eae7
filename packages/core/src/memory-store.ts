import type { Clock } from "./clock.js";
import { defineSessionStore } from "./define-store.js";
import type { IndexedStoreDriver, StoreDriver } from "./driver.js";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "./driver-kit.js";
import { errors } from "./errors.js";
import { copyJson } from "./json.js";
import { createMemoryChangeLog } from "./memory-watch.js";
import type { Session, SessionEvent } from "./model.js";
import { scanQueries } from "./scan-queries.js";
import type { SessionStore, StoreCapabilities } from "./store.js";
import { commitChange, deleteChange, insertChange } from "./watch-change.js";
import { type ChangeLogOptions, changeLogLength, DEFAULT_CHANGE_LOG_LENGTH } from "./watch-retention.js";

export interface MemoryStoreOptions {
  /** Where timestamps come from (default: the system clock). */
  clock?: Clock;
  /** Largest JSON size of one record or event (default 16 MiB). */
  maxPayloadBytes?: number;
  /**
   * The change log behind watch(): the newest `maxLength` changes are kept (default 100,000, about
   * 20 MB; a cursor older than that gets ERR_CURSOR_EXPIRED). Before, it grew without bound.
   */
  changeLog?: ChangeLogOptions;
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
  leases: true,
  idempotency: true,
});

/**
 * The in-memory driver: the reference every adapter is compared with. It implements only scan()
 * for queries. Records are copied on the way in and out, so callers never share objects with it.
 */
export function createMemoryDriver(options: MemoryStoreOptions = {}): IndexedStoreDriver {
  const name = "store-memory";
  const entries = new Map<string, Entry>();
  // copyJson, not structuredClone: records are plain JSON, and structuredClone cost ~6× as much
  // (it was 40% of a commit and nearly all of getWithHistory, ~1.2 µs per event).
  const clone = copyJson;
  const log = createMemoryChangeLog(
    name,
    changeLogLength(options.changeLog, DEFAULT_CHANGE_LOG_LENGTH, name) ?? DEFAULT_CHANGE_LOG_LENGTH,
  );
  const leases = new Map<string, string>();

  const driver: StoreDriver = {
    name,
    capabilities: {
      ...memoryStoreCapabilities,
      maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    },
    insert(session, events, { overwrite, check }) {
      const existing = entries.get(session.id);
      if (!overwrite && existing) throw errors.exists(name, session.id);
      if (existing && check) check(existing.session);
      entries.set(session.id, { session: clone(session), events: clone(events) });
      log.record(insertChange(session, events));
    },
    get(id) {
      const entry = entries.get(id);
      return entry ? clone(entry.session) : null;
    },
    commit(id, plan) {
      const entry = entries.get(id);
      if (!entry) throw errors.notFound(name, id);
      // One copy of the session per commit, not three: plan is pure (it copies what it changes),
      // so it may read the stored state itself; the copy is what gets stored, and `next` (which
      // shares objects only with the state it replaces) goes back to the caller. Events are
      // copied because the wrapper hands the plan's events to the caller too.
      const planned = plan(entry.session);
      const { next, events } = planned;
      log.record(commitChange(entry.session, planned));
      entry.session = clone(next);
      for (const event of events) entry.events.push(clone(event));
      return next;
    },
    readEvents(id, fromSeq, toSeq) {
      const entry = entries.get(id);
      if (!entry) throw errors.notFound(name, id);
      const end = toSeq === undefined ? entry.events.length : Math.min(toSeq, entry.events.length);
      return fromSeq > end ? [] : clone(entry.events.slice(fromSeq - 1, end));
    },
    scan() {
      const sessions: Session[] = [];
      for (const entry of entries.values()) sessions.push(entry.session);
      return { sessions };
    },
    delete(id, check) {
      const entry = entries.get(id);
      if (!entry) return false;
      check?.(entry.session);
      log.record(deleteChange(id, entry.session));
      return entries.delete(id);
    },
    swapLease(leaseName, expected, next) {
      const held = leases.get(leaseName) ?? null;
      if (held !== expected) return { swapped: false, current: held };
      if (next === null) leases.delete(leaseName);
      else leases.set(leaseName, next);
      return { swapped: true, current: next };
    },
    changes: log.feed,
    close() {
      entries.clear();
      leases.clear();
      log.clear();
    },
  };
  // The queries derived from scan() are attached, so code that wraps this driver (tests, mutants)
  // can call them as on any indexed driver; they are the wrapper's own reference semantics.
  return { ...driver, ...scanQueries(driver) };
}

/** An in-memory SessionStore: for tests, prototypes and as the reference adapter. Nothing survives the process. */
export function createMemoryStore(options: MemoryStoreOptions = {}): SessionStore {
  return defineSessionStore(createMemoryDriver(options), options.clock ? { clock: options.clock } : {});
}
