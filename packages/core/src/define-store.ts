import { type Clock, systemClock } from "./clock.js";
import type { CommitPlan, MaybePromise, StoreDriver } from "./driver.js";
import { chain, isPromise } from "./driver-kit.js";
import { errors, isSessionKitError, SessionKitError } from "./errors.js";
import { parseGetOptions } from "./get-options.js";
import {
  DELETE_BATCH_SIZE,
  guardedDelete,
  guardedDeleteMany,
  guardedOverwrite,
  guardedPrune,
} from "./hold-guard.js";
import { assertSessionId, createSessionId } from "./ids.js";
import { dropUndefined, importMany, parseImport } from "./import-records.js";
import { inboxPage, parseInboxQuery, scanInbox } from "./inbox-query.js";
import { readInstant } from "./instants.js";
import { type Session, type SessionEvent, TERMINAL_STATUSES } from "./model.js";
import { recordOperation } from "./operation-results.js";
import { encodeCursor, parseFilter, parseListQuery, statsFromAggregate } from "./query.js";
import { eventRangeShape } from "./read-inputs.js";
import { READ_BATCH_SIZE, readManyWithHistory } from "./read-many.js";
import { scanQueries } from "./scan-queries.js";
import { parseInput, schemas } from "./schemas.js";
import { parseShape } from "./shape.js";
import type {
  CommitInput,
  CommitResult,
  CreateSessionInput,
  DeleteOptions,
  EventRange,
  GetOptions,
  ImportManyOptions,
  ImportManyResult,
  ImportOptions,
  InboxPage,
  InboxQuery,
  ListQuery,
  PruneInput,
  PruneResult,
  SessionFilter,
  SessionPage,
  SessionStats,
  SessionStore,
  SyncSessionStore,
} from "./store.js";
import { parseLeaseSwap } from "./store-lease.js";
import { createWatchHub, PAGE, type WatchHub } from "./watch-hub.js";
import { watchItems } from "./watch-iterate.js";
import { parseWatch } from "./watch-options.js";
import { lazy, zod } from "./zod-lazy.js";

export interface DefineStoreOptions {
  /** Where timestamps come from (default: the system clock). */
  clock?: Clock;
  /**
   * A synchronous twin of `driver` on the same storage, used by `store.sync()` (when the main
   * driver answers with promises, say to wait for locks without blocking). Its name and
   * capabilities are ignored; closing the store closes both.
   */
  syncDriver?: StoreDriver;
}

/** The most an event's JSON adds around its data: seq (16 digits), timestamp, type (64), keys. */
const EVENT_ENVELOPE_BYTES = 256;

/** Patch fields whose values have a bounded size (numbers, statuses, timestamps). */
const FIXED_SIZE_FIELDS = new Set([
  "status",
  "iterations",
  "maxIterations",
  "deadlineAt",
  "expiresAt",
  "endedAt",
]);

/** The store's own option schemas, built with zod on first use like core's (schemas.ts). */
const storeSchemas = lazy(() => {
  const z = zod();
  return {
    deleteOptions: z.strictObject({ expectedVersion: z.number().int().min(1).optional() }),
    importOptions: z.strictObject({ overwrite: z.boolean().optional() }),
    createOptions: z.strictObject({ events: z.array(schemas().newEvent).max(10_000).optional() }),
    deleteMany: z
      .array(z.strictObject({ id: z.string(), expectedVersion: z.number().int().min(1) }))
      .max(DELETE_BATCH_SIZE),
    readMany: z.array(z.string()).max(READ_BATCH_SIZE),
  };
});

/**
 * Turns a StoreDriver into a SessionStore. Every rule all adapters share lives here, once:
 * id and input validation before any I/O, version and seq arithmetic, timestamps from the
 * clock, payload limits, cursors, statistics, closed state, and wrapping of raw errors.
 */
export function defineSessionStore(driver: StoreDriver, options: DefineStoreOptions = {}): SessionStore {
  const name = driver.name;
  const syncDriver = options.syncDriver;
  const clock = options.clock ?? systemClock;
  const capabilities = Object.freeze({
    ...driver.capabilities,
    watch: driver.changes !== undefined,
    namedLeases: driver.swapLease !== undefined,
  });
  const maxBytes = capabilities.maxPayloadBytes;
  let closed = false;
  let closing: Promise<void> | undefined;
  const inflight = new Set<Promise<unknown>>();
  let hub: WatchHub | undefined;

  // The clock is the one source of stored instants the schemas do not see; read it like any input.
  // The last reading is kept: toISOString was a tenth of a commit, and commits share milliseconds.
  let lastMs = Number.NaN;
  let lastIso = "";
  const now = () => {
    const ms = clock.now();
    if (ms === lastMs) return lastIso;
    const reading = readInstant(ms);
    if (!reading.ok) {
      throw errors.invalidInput(
        name,
        `the clock to return ${reading.reason}`,
        ms,
        "Fix the clock; nothing was written.",
      );
    }
    lastMs = ms;
    lastIso = reading.iso;
    return lastIso;
  };

  /** The JSON size of `value` in bytes; ERR_PAYLOAD_TOO_LARGE beyond the limit. */
  function checkSize(what: string, value: unknown, id: string): number {
    const bytes = Buffer.byteLength(JSON.stringify(value), "utf8");
    if (bytes > maxBytes) {
      throw new SessionKitError(
        "ERR_PAYLOAD_TOO_LARGE",
        `[${name}] ${what} of session "${id}" is ${bytes} bytes of JSON, more than the limit of ${maxBytes}. Store large blobs elsewhere and keep a reference; nothing was written.`,
        { details: { id, bytes, limit: maxBytes } },
      );
    }
    return bytes;
  }

  // Serialising every event to measure it was a fifth of a commit: an event whose data's size
  // bound (from its parse) plus the envelope cannot reach the limit is not serialised again.
  function checkEventSize(event: SessionEvent, dataBound: number, id: string): void {
    if (dataBound + EVENT_ENVELOPE_BYTES <= maxBytes) return;
    checkSize(`Event ${event.seq}`, event, id);
  }

  function wrap(error: unknown, action: string): SessionKitError {
    if (isSessionKitError(error)) return error;
    return errors.io(name, action, error);
  }

  const limits = { checkSize, checkEventSize };
  const ops = makeOps(driver);
  const syncOps = syncDriver ? makeOps(syncDriver) : ops;

  function makeOps(driver: StoreDriver) {
    const derived = driver.list && driver.stats && driver.prune ? undefined : scanQueries(driver);
    const list = driver.list?.bind(driver) ?? derived!.list;
    const stats = driver.stats?.bind(driver) ?? derived!.stats;
    const prune = driver.prune?.bind(driver) ?? derived!.prune;
    const count = driver.count?.bind(driver) ?? (derived?.count as StoreDriver["count"]);
    const apart = driver.getForOperation !== undefined;
    return {
      create(input: CreateSessionInput, createOptions?: { events?: unknown[] }): MaybePromise<CommitResult> {
        const parsed = parseInput(schemas().createSessionInput, input, "input", name);
        const { events: newEvents = [] } = parseInput(
          storeSchemas().createOptions,
          createOptions ?? {},
          "options",
          name,
        );
        const id = parsed.id ?? createSessionId();
        const at = now();
        const session: Session = dropUndefined({
          ...parsed,
          id,
          status: parsed.status ?? "active",
          iterations: parsed.iterations ?? 0,
          maxIterations: parsed.maxIterations ?? 100,
          context: parsed.context ?? {},
          createdAt: at,
          updatedAt: at,
          version: 1,
          eventCount: newEvents.length,
        });
        const events = newEvents.map((event, index) => ({
          seq: index + 1,
          timestamp: at,
          type: event.type,
          data: event.data,
        }));
        checkSize("The record", session, id);
        for (const [index, event] of events.entries()) checkEventSize(event, newEvents[index]!.dataBound, id);
        return chain(driver.insert(session, events, { overwrite: false }), () => ({ session, events }));
      },

      get(id: string, getOptions?: GetOptions): MaybePromise<Session | null> {
        assertSessionId(id, name);
        if (getOptions === undefined) return driver.get(id);
        const operationId = parseGetOptions(getOptions, name);
        return driver.getForOperation ? driver.getForOperation(id, operationId) : driver.get(id);
      },

      getWithHistory(id: string): MaybePromise<(Session & { history: SessionEvent[] }) | null> {
        assertSessionId(id, name);
        return chain(driver.get(id), (session) => {
          if (session === null) return null;
          if (session.eventCount === 0) return { ...session, history: [] };
          const read = chain(driver.readEvents(id, 1, session.eventCount), (history) => ({
            ...session,
            history,
          }));
          if (!isPromise(read)) return read;
          return read.catch((error: unknown) => {
            if (isSessionKitError(error, "ERR_SESSION_NOT_FOUND")) return null;
            throw error;
          });
        });
      },

      commit(id: string, input: CommitInput): MaybePromise<CommitResult> {
        assertSessionId(id, name);
        const parsed = parseInput(schemas().commitInput, input ?? {}, "input", name);
        let appended: SessionEvent[] = [];
        const patchKeys = Object.keys(parsed.patch ?? {});
        const hasOperationsPatch = parsed.patch?.operations !== undefined;
        const plan = (current: Session): CommitPlan => {
          if (parsed.expectedVersion !== undefined && current.version !== parsed.expectedVersion) {
            throw errors.conflict(name, id, parsed.expectedVersion, current.version);
          }
          const at = now();
          const next: Session = { ...current };
          const record = next as unknown as Record<string, unknown>;
          for (const [key, value] of Object.entries(parsed.patch ?? {})) {
            if (value === undefined) continue;
            if (value === null) delete record[key];
            else record[key] = value;
          }
          const newEvents = parsed.events ?? [];
          appended = newEvents.map((event, index) => ({
            seq: current.eventCount + index + 1,
            timestamp: at,
            type: event.type,
            data: event.data,
          }));
          next.version = current.version + 1;
          next.updatedAt = at;
          next.eventCount = current.eventCount + appended.length;
          // Only fields a patch sets can grow a record past the limit (counters add a few bytes at
          // most), so an events-only append never re-serialises the whole state: O(1) per append.
          const grows = patchKeys.some((key) => !FIXED_SIZE_FIELDS.has(key));
          const measure = () => checkSize("The record", next, id);
          // The replay result is kept only where it fits: it never fails a commit.
          const operation =
            parsed.operation === undefined
              ? undefined
              : recordOperation(next, parsed.operation, { apart, maxBytes, measure, grows });
          if (parsed.operation === undefined && grows) measure();
          for (const [index, event] of appended.entries())
            checkEventSize(event, newEvents[index]!.dataBound, id);
          const planned: CommitPlan = { next, events: appended };
          if (operation !== undefined) planned.operation = operation;
          if (apart && hasOperationsPatch) planned.replaceOperations = next.operations ?? null;
          return planned;
        };
        return chain(driver.commit(id, plan), (session) => ({ session, events: appended }));
      },

      readEvents(id: string, range?: EventRange): MaybePromise<SessionEvent[]> {
        assertSessionId(id, name);
        const parsed = parseShape(eventRangeShape, range ?? {}, "range", name);
        if (parsed.last !== undefined) {
          const last = parsed.last;
          if (driver.readLastEvents) return driver.readLastEvents(id, last);
          return chain(driver.get(id), (session) => {
            if (session === null) throw errors.notFound(name, id);
            const from = Math.max(1, session.eventCount - last + 1);
            return chain(driver.readEvents(id, from, undefined), (events) => events.slice(-last));
          });
        }
        const from = parsed.fromSeq ?? 1;
        let to = parsed.toSeq;
        if (parsed.limit !== undefined) to = Math.min(to ?? Number.MAX_SAFE_INTEGER, from + parsed.limit - 1);
        return driver.readEvents(id, from, to);
      },

      list(query?: ListQuery): MaybePromise<SessionPage> {
        const { filter, after, limit } = parseListQuery(query, name);
        return chain(list(filter, after, limit + 1), ({ items, corrupt }) => {
          const more = items.length > limit;
          const page = more ? items.slice(0, limit) : items;
          const last = page[page.length - 1];
          return {
            items: page,
            nextCursor: more && last ? encodeCursor(last, filter) : null,
            corrupt,
          };
        });
      },

      count(filter?: SessionFilter): MaybePromise<number> {
        const parsed = parseFilter(filter, name);
        return count ? count(parsed) : chain(stats(parsed), (aggregate) => aggregate.total);
      },

      stats(filter?: SessionFilter): MaybePromise<SessionStats> {
        const parsed = parseFilter(filter, name);
        return chain(stats(parsed), statsFromAggregate);
      },

      delete(id: string, deleteOptions?: DeleteOptions): MaybePromise<boolean> {
        assertSessionId(id, name);
        const parsed = parseInput(storeSchemas().deleteOptions, deleteOptions ?? {}, "options", name);
        return guardedDelete(driver, id, parsed.expectedVersion);
      },

      prune(input: PruneInput): MaybePromise<PruneResult> {
        const parsed = parseInput(schemas().pruneInput, input, "input", name);
        const statuses = parsed.statuses ?? [...TERMINAL_STATUSES];
        const dryRun = parsed.dryRun ?? false;
        const pruned = guardedPrune(driver, prune, [...new Set(statuses)], parsed.olderThan, dryRun, now());
        return chain(pruned, (ids) => {
          const sorted = [...ids].sort();
          return { count: sorted.length, ids: sorted, dryRun };
        });
      },

      importSession(
        session: Session,
        events: SessionEvent[],
        importOptions?: ImportOptions,
      ): MaybePromise<CommitResult> {
        const parsed = parseImport(name, limits, session, events);
        const { overwrite = false } = parseInput(
          storeSchemas().importOptions,
          importOptions ?? {},
          "options",
          name,
        );
        const inserted = overwrite
          ? guardedOverwrite(driver, parsed.session, parsed.events)
          : driver.insert(parsed.session, parsed.events, { overwrite: false });
        return chain(inserted, () => parsed);
      },

      importMany(
        records: ReadonlyArray<{ session: Session; events: SessionEvent[] }>,
        importOptions?: ImportManyOptions,
      ): MaybePromise<ImportManyResult> {
        return importMany(driver, limits, records, importOptions);
      },

      listAwaitingInput(query?: InboxQuery): MaybePromise<InboxPage> {
        const { filter, after, limit } = parseInboxQuery(query, name);
        const rows = driver.listAwaitingInput
          ? driver.listAwaitingInput(filter, after, limit + 1)
          : scanInbox(
              (position, listFilter, size) => list(listFilter, position, size),
              (id) => driver.get(id),
              filter,
              after,
              limit + 1,
            );
        return chain(rows, (found) => inboxPage(found, filter, limit));
      },

      getManyWithHistory(ids: string[]) {
        const parsed = parseInput(storeSchemas().readMany, ids, "ids", name);
        for (const id of parsed) assertSessionId(id, name);
        return readManyWithHistory(driver, parsed);
      },

      deleteMany(items: Array<{ id: string; expectedVersion: number }>) {
        const parsed = parseInput(storeSchemas().deleteMany, items, "items", name);
        for (const { id } of parsed) assertSessionId(id, name);
        return guardedDeleteMany(driver, parsed);
      },

      swapLease(leaseName: string, expected: string | null, next: string | null) {
        if (!driver.swapLease) throw errors.unsupported(name, "swapLease");
        parseLeaseSwap(leaseName, expected, next, name);
        return driver.swapLease(leaseName, expected, next);
      },
    };
  }

  type Ops = typeof ops;

  function runAsync<K extends keyof Ops>(
    action: K,
    args: Parameters<Ops[K]>,
  ): Promise<Awaited<ReturnType<Ops[K]>>> {
    if (closed) return Promise.reject(errors.closed(name));
    let promise: Promise<Awaited<ReturnType<Ops[K]>>>;
    try {
      promise = Promise.resolve((ops[action] as (...a: unknown[]) => ReturnType<Ops[K]>)(...args)) as Promise<
        Awaited<ReturnType<Ops[K]>>
      >;
    } catch (error) {
      return Promise.reject(wrap(error, action));
    }
    const tracked = promise.catch((error: unknown) => {
      throw wrap(error, action);
    });
    inflight.add(tracked);
    tracked.then(
      (result) => {
        inflight.delete(tracked);
        wakeAfter(action, args, result);
      },
      () => inflight.delete(tracked),
    );
    return tracked;
  }

  /**
   * This handle's own writes wake its watchers at once, without waiting for the driver's hint (a
   * SQLite connection never sees its own commits in data_version), naming the session when known.
   */
  function wakeAfter(action: keyof Ops, args: unknown[], result: unknown): void {
    if (hub && !READS.has(action)) hub.wake(touchedSession(action, args, result));
  }

  function runSync<K extends keyof Ops>(action: K, args: Parameters<Ops[K]>): Awaited<ReturnType<Ops[K]>> {
    if (closed) throw errors.closed(name);
    try {
      const result: unknown = (syncOps[action] as (...a: unknown[]) => unknown)(...args);
      if (isPromise(result as MaybePromise<unknown>)) {
        (result as Promise<unknown>).catch(() => undefined);
        throw new SessionKitError(
          "ERR_UNSUPPORTED_CAPABILITY",
          `[${name}] The driver answered ${action} asynchronously; its sync face is unusable.`,
        );
      }
      wakeAfter(action, args, result);
      return result as Awaited<ReturnType<Ops[K]>>;
    } catch (error) {
      throw wrap(error, action);
    }
  }

  const syncFace: SyncSessionStore = {
    name,
    create: (input, createOptions) => runSync("create", [input, createOptions]),
    get: (id, getOptions) => runSync("get", [id, getOptions]),
    getWithHistory: (id) => runSync("getWithHistory", [id]),
    commit: (id, input) => runSync("commit", [id, input]),
    readEvents: (id, range) => runSync("readEvents", [id, range]),
    list: (query) => runSync("list", [query]),
    count: (filter) => runSync("count", [filter]),
    stats: (filter) => runSync("stats", [filter]),
    delete: (id, deleteOptions) => runSync("delete", [id, deleteOptions]),
    prune: (input) => runSync("prune", [input]),
    importSession: (session, events, importOptions) =>
      runSync("importSession", [session, events, importOptions]),
    importMany: (records, importOptions) => runSync("importMany", [records, importOptions]),
  };

  return {
    name,
    capabilities,
    clock,
    create: (input, createOptions) => runAsync("create", [input, createOptions]),
    get: (id, getOptions) => runAsync("get", [id, getOptions]),
    getWithHistory: (id) => runAsync("getWithHistory", [id]),
    commit: (id, input) => runAsync("commit", [id, input]),
    readEvents: (id, range) => runAsync("readEvents", [id, range]),
    list: (query) => runAsync("list", [query]),
    count: (filter) => runAsync("count", [filter]),
    stats: (filter) => runAsync("stats", [filter]),
    delete: (id, deleteOptions) => runAsync("delete", [id, deleteOptions]),
    prune: (input) => runAsync("prune", [input]),
    importSession: (session, events, importOptions) =>
      runAsync("importSession", [session, events, importOptions]),
    importMany: (records, importOptions) => runAsync("importMany", [records, importOptions]),
    listAwaitingInput: (query) => runAsync("listAwaitingInput", [query]),
    getManyWithHistory: (ids) => runAsync("getManyWithHistory", [ids]),
    deleteMany: (items) => runAsync("deleteMany", [items]),
    swapLease: (leaseName, expected, next) => runAsync("swapLease", [leaseName, expected, next]),
    watch(scope, watchOptions) {
      const feed = driver.changes;
      if (!feed) throw errors.unsupported(name, "watch");
      if (closed) throw errors.closed(name);
      const parsed = parseWatch(scope, watchOptions, name);
      hub ??= createWatchHub(
        {
          ...feed,
          read: (after, limit) => guardedFeed(name, "read the change log", () => feed.read(after, limit)),
          head: () => guardedFeed(name, "read the change log", () => feed.head()),
        },
        (id, fromSeq, toSeq) => runAsync("readEvents", [id, { fromSeq, toSeq }]),
        name,
      );
      const readHistory = (id: string, fromSeq: number) =>
        runAsync("readEvents", [id, { fromSeq, limit: PAGE }]).catch((error: unknown) => {
          if (isSessionKitError(error, "ERR_SESSION_NOT_FOUND")) return [];
          throw error;
        });
      const active = hub;
      return {
        [Symbol.asyncIterator]: () =>
          watchItems(active, parsed.scope, parsed.start, readHistory, parsed.signal),
      };
    },
    sync() {
      if (!capabilities.sync) throw errors.unsupported(name, "sync");
      if (closed) throw errors.closed(name);
      return syncFace;
    },
    close() {
      if (closing) return closing;
      closed = true;
      hub?.close();
      closing = (async () => {
        await Promise.allSettled([...inflight]);
        try {
          await driver.close();
          if (syncDriver && syncDriver !== driver) await syncDriver.close();
        } catch (error) {
          throw wrap(error, "close");
        }
      })();
      return closing;
    },
  };
}

const READS = new Set([
  "get",
  "getWithHistory",
  "getManyWithHistory",
  "readEvents",
  "list",
  "count",
  "stats",
  "listAwaitingInput",
  "swapLease",
]);

/** The one session a successful write changed, when its arguments or result name it (prune: unknown). */
function touchedSession(action: string, args: unknown[], result: unknown): string | undefined {
  if (action === "commit" || action === "delete") return args[0] as string;
  if (action === "create" || action === "importSession") return (result as CommitResult).session.id;
  return undefined;
}

async function guardedFeed<T>(name: string, action: string, read: () => MaybePromise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isSessionKitError(error)) throw error;
    throw errors.io(name, action, error);
  }
}
