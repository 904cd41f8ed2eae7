import {
  type CommitPlan,
  createMemoryDriver,
  defineSessionStore,
  type IndexedStoreDriver,
  isSessionKitError,
  type Session,
  type SessionSummary,
  type StoreDriver,
  toSummary,
} from "@sessionkit/core/driver";
import type { ConformanceContext, ConformanceHarness, ConformanceOptions } from "../../src/index.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The memory driver, re-declared as asynchronous (its mutant answers with promises). */
function asyncMemoryDriver(): IndexedStoreDriver {
  const driver = createMemoryDriver();
  return { ...driver, capabilities: { ...driver.capabilities, sync: false } };
}

/** A harness over a driver factory; the driver gets the clock via defineSessionStore. */
function harnessOf(name: string, make: () => StoreDriver): ConformanceHarness {
  return { name, create: (ctx) => defineSessionStore(make(), { clock: ctx.clock }) };
}

/** One memory driver per context, shared by every handle: persistent and multiHandle within the process. */
export function sharedHarness(
  name: string,
  wrapHandle: (driver: StoreDriver) => StoreDriver = (d) => d,
): ConformanceHarness {
  const storages = new Map<string, StoreDriver>();
  const handle = (ctx: ConformanceContext) => {
    let shared = storages.get(ctx.dir);
    if (!shared) {
      const inner = createMemoryDriver();
      shared = {
        ...inner,
        capabilities: { ...inner.capabilities, persistent: true, multiHandle: true },
        close() {},
      };
      storages.set(ctx.dir, shared);
      ctx.onCleanup(() => storages.delete(ctx.dir));
    }
    return defineSessionStore(wrapHandle({ ...shared }), { clock: ctx.clock });
  };
  return { name, create: handle, reopen: handle };
}

function mapStrings(value: unknown, fn: (text: string) => string): unknown {
  if (typeof value === "string") return fn(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, fn));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      Object.defineProperty(out, fn(key), {
        value: mapStrings(member, fn),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

function withPlan(
  driver: StoreDriver,
  change: (planned: CommitPlan, current: Session) => CommitPlan,
): StoreDriver {
  return { ...driver, commit: (id, plan) => driver.commit(id, (current) => change(plan(current), current)) };
}

/**
 * Every mutant: a name, its harness, and exactly the cases it turns red outside SS-LC (the lifecycle
 * group belongs to core's manager and may grow; the first ids listed are the ones the mutant targets).
 */
export const mutants: Array<{
  name: string;
  harness: ConformanceHarness;
  red: string[];
  options?: ConformanceOptions;
}> = [
  {
    name: "ignores the expected version",
    harness: harnessOf("mutant-ignores-version", () => {
      const driver = createMemoryDriver();
      return {
        ...driver,
        commit: (id, plan) =>
          driver.commit(id, (current) => {
            try {
              return plan(current);
            } catch (error) {
              if (!isSessionKitError(error, "ERR_VERSION_CONFLICT")) throw error;
              const planned = plan({ ...current, version: Number(error.details.expectedVersion) });
              return { ...planned, next: { ...planned.next, version: current.version + 1 } };
            }
          }),
        delete: (id) => driver.delete(id, undefined),
      };
    }),
    red: [
      "SS-LIFE-05",
      "SS-OCC-02",
      "SS-OCC-03",
      "SS-OCC-08",
      "SS-OCC-09",
      "SS-EV-03",
      "SS-CC-05",
      "SS-ID-06",
      // Concurrent sweeps and replays decide on a stale read, then commit anyway.
      "SS-LS-03",
      "SS-IDEM-01",
      // Its delete skips the wrapper's check, so a held session goes too.
      "SS-HOLD-01",
      // deleteMany removes a session that changed since retention read it (no "changed" outcome).
      "SS-RL-05",
    ],
  },
  {
    name: "drops the order's tie-breaker",
    harness: harnessOf("mutant-no-tie-breaker", () => {
      const driver = createMemoryDriver();
      const order: string[] = [];
      return {
        ...driver,
        insert(session, events, options) {
          if (!order.includes(session.id)) order.push(session.id);
          return driver.insert(session, events, options);
        },
        list(filter, after, limit) {
          const { items, corrupt } = driver.list(filter, undefined, 1_000_000) as Awaited<
            ReturnType<NonNullable<StoreDriver["list"]>>
          >;
          items.sort((a, b) =>
            a.createdAt === b.createdAt
              ? order.indexOf(a.id) - order.indexOf(b.id)
              : a.createdAt < b.createdAt
                ? 1
                : -1,
          );
          let start = 0;
          if (after) {
            const at = items.findIndex((item) => item.id === after.id);
            start = at >= 0 ? at + 1 : items.findIndex((item) => item.createdAt < after.createdAt);
            if (start < 0) start = items.length;
          }
          return { items: items.slice(start, start + limit), corrupt };
        },
      };
    }),
    red: ["SS-Q-01", "SS-Q-02", "SS-Q-03", "SS-Q-05", "SS-IMP-01"],
  },
  {
    name: "truncates strings at NUL",
    harness: harnessOf("mutant-truncates-nul", () => {
      const cut = (text: string) => text.split("\u0000")[0]!;
      const driver = withPlan(createMemoryDriver(), (planned) => mapStrings(planned, cut) as CommitPlan);
      return {
        ...driver,
        insert: (session, events, options) =>
          driver.insert(mapStrings(session, cut) as Session, mapStrings(events, cut) as never, options),
      };
    }),
    red: ["SS-Q-10", "SS-J-04", "SS-J-06"],
  },
  {
    name: "writes non-atomically (state first, events later, no lock)",
    harness: harnessOf("mutant-non-atomic", () => {
      const driver = asyncMemoryDriver();
      return {
        ...driver,
        async commit(id, plan) {
          const current = driver.get(id) as Session | null;
          if (!current) return driver.commit(id, plan);
          await tick();
          const { next, events } = plan(current);
          driver.commit(id, () => ({ next, events: [] }));
          await tick();
          driver.commit(id, (now) => ({ next: now, events }));
          return next;
        },
      };
    }),
    // Its two writes are two changes in the feed: the watch cases see the split commit too.
    red: [
      "SS-OCC-03",
      "SS-OCC-07",
      "SS-EV-04",
      "SS-EV-08",
      "SS-ST-04",
      "SS-W-02",
      "SS-W-03",
      "SS-W-04",
      "SS-W-06",
      "SS-LS-03",
      "SS-IDEM-01",
    ],
  },
  {
    name: "serves stale reads on a second handle",
    harness: sharedHarness("mutant-stale-handle", (driver) => {
      const cache = new Map<string, Session | null>();
      return {
        ...driver,
        get(id) {
          if (cache.has(id)) return structuredClone(cache.get(id)!);
          const value = driver.get(id) as Session | null;
          cache.set(id, structuredClone(value));
          return value;
        },
        commit(id, plan) {
          const next = driver.commit(id, plan) as Session;
          cache.set(id, structuredClone(next));
          return next;
        },
        insert(session, events, options) {
          cache.set(session.id, structuredClone(session));
          return driver.insert(session, events, options);
        },
        delete(id, expectedVersion) {
          cache.delete(id);
          return driver.delete(id, expectedVersion);
        },
        prune(statuses, before, dryRun) {
          cache.clear();
          return driver.prune!(statuses, before, dryRun);
        },
      };
    }),
    red: [
      "SS-CRUD-05",
      "SS-CRUD-13",
      "SS-OCC-04",
      "SS-OCC-06",
      "SS-OCC-07",
      "SS-EV-05",
      "SS-CC-01",
      "SS-IDEM-02",
      "SS-IN-02",
      "SS-HOLD-02",
      // importMany's fallback inserts through the stale handle: a taken id looks free.
      "SS-IMP-02",
      "SS-IMP-03",
    ],
  },
  {
    name: "loses an event in a concurrent batch",
    harness: harnessOf("mutant-loses-event", () => {
      const driver = asyncMemoryDriver();
      const busy = new Map<string, number>();
      return {
        ...driver,
        async commit(id, plan) {
          busy.set(id, (busy.get(id) ?? 0) + 1);
          await tick();
          const concurrent = (busy.get(id) ?? 0) > 1;
          try {
            return await driver.commit(id, (current) => {
              const planned = plan(current);
              if (!concurrent || planned.events.length < 2) return planned;
              return {
                next: { ...planned.next, eventCount: planned.next.eventCount - 1 },
                events: planned.events.slice(0, -1),
              };
            });
          } finally {
            busy.set(id, busy.get(id)! - 1);
          }
        },
      };
    }),
    red: ["SS-EV-04", "SS-EV-08", "SS-ST-04"],
  },
  {
    name: "resets createdAt on commit",
    harness: harnessOf("mutant-resets-created", () =>
      withPlan(createMemoryDriver(), (planned) => ({
        ...planned,
        next: { ...planned.next, createdAt: planned.next.updatedAt },
      })),
    ),
    red: ["SS-CRUD-06", "SS-CRUD-10", "SS-Q-06", "SS-J-08"],
  },
  {
    name: "prune boundary off by one (<= instead of <)",
    harness: harnessOf("mutant-prune-boundary", () => {
      const driver = createMemoryDriver();
      return {
        ...driver,
        prune: (statuses, before, dryRun) =>
          driver.prune(statuses, new Date(Date.parse(before) + 1).toISOString(), dryRun),
      };
    }),
    red: ["SS-CL-01", "SS-ID-05"],
  },
  {
    name: "prunes by re-reading, then deleting unconditionally (a one-round-trip gap)",
    harness: harnessOf("mutant-prune-gap", () => {
      const driver = asyncMemoryDriver();
      return {
        ...driver,
        async prune(statuses, before, dryRun) {
          const candidates = (await driver.prune(statuses, before, true)) as string[];
          if (dryRun) return candidates;
          const removed: string[] = [];
          for (const id of candidates) {
            const current = (await driver.get(id)) as Session | null;
            if (!current || !statuses.includes(current.status) || !(current.updatedAt < before)) continue;
            await tick(); // the round trip between the re-read and the delete
            await driver.delete(id, undefined);
            removed.push(id);
          }
          return removed;
        },
      };
    }),
    red: ["SS-CL-07"],
    // The window is one loop turn wide: at the default 25 rounds nearly every seed hits it.
    options: { iterations: 25 },
  },
  {
    // store-postgres before its fix (issue 14, defect 1): the object a commit returns is the one
    // the handle plans its next commit from, guarded only by the row's version, which did not change.
    name: "returns its cache (aliasing)",
    harness: harnessOf("mutant-aliases-cache", () => {
      const driver = createMemoryDriver();
      const cache = new Map<string, { version: number; session: Session }>();
      const remember = (session: Session) => {
        cache.set(session.id, { version: session.version, session });
        return session;
      };
      return {
        ...driver,
        insert(session, events, options) {
          driver.insert(session, events, options);
          remember(session);
        },
        get(id) {
          const hit = cache.get(id);
          if (hit) return hit.session;
          const stored = driver.get(id) as Session | null;
          return stored && remember(stored);
        },
        commit(id, plan) {
          let planned: Session | undefined;
          driver.commit(id, (current) => {
            const hit = cache.get(id);
            const result = plan(hit?.version === current.version ? hit.session : current);
            planned = result.next;
            return result;
          });
          return remember(planned!);
        },
        delete(id, check) {
          cache.delete(id);
          return driver.delete(id, check);
        },
        prune(statuses, before, dryRun) {
          if (!dryRun) cache.clear();
          return driver.prune(statuses, before, dryRun);
        },
      };
    }),
    red: ["SS-CRUD-14", "SS-CRUD-11"],
  },
  {
    // store-fs before its fix (issue 14, defect 3): summaries published after the commit, and the
    // index keeps the last one published, so a slow writer's older summary replaces a newer one.
    name: "keeps the last summary published instead of the highest version",
    harness: harnessOf("mutant-last-summary", () => {
      const { list: _l, count: _c, stats: _s, prune: _p, ...inner } = createMemoryDriver();
      const index = new Map<string, SessionSummary>();
      const publish = (session: Session) => {
        if (inner.get(session.id) === null) return; // deleted meanwhile: no ghost (not this mutant's bug)
        index.set(session.id, toSummary(session)); // the honest index: only if version >= the indexed one
      };
      return {
        ...inner,
        capabilities: { ...inner.capabilities, sync: false },
        insert(session, events, options) {
          inner.insert(session, events, options);
          index.set(session.id, toSummary(session));
        },
        async commit(id, plan) {
          const next = inner.commit(id, plan) as Session;
          // Even versions publish two loop turns late: a concurrent odd one overtakes them.
          for (let turn = 0; turn < (next.version % 2 === 0 ? 2 : 0); turn++) await tick();
          publish(next);
          return next;
        },
        delete(id, check) {
          const removed = inner.delete(id, check) as boolean;
          if (removed) index.delete(id);
          return removed;
        },
        scan: () => ({ sessions: [...index.values()] }),
      };
    }),
    red: ["SS-Q-12", "SS-ST-04"],
  },
  {
    // A store with owner columns written once per claim: a takeover extends the lease but keeps
    // the first owner and its generation, so the fencing token never changes.
    name: "ignores the generation (keeps the first owner it stored)",
    harness: harnessOf("mutant-ignores-generation", () =>
      withPlan(createMemoryDriver(), (planned, current) => {
        if (current.owner === undefined || planned.next.owner === undefined) return planned;
        return { ...planned, next: { ...planned.next, owner: current.owner } };
      }),
    ),
    // SS-IDEM-07 too: the replayed claim still finds the first generation, so it looks held.
    red: ["SS-LS-01", "SS-IDEM-07"],
  },
  {
    // A store that maps the fields it knew before idempotency: the operations map is never stored.
    name: "forgets operation ids",
    harness: harnessOf("mutant-forgets-operations", () => {
      const forget = (session: Session): Session => {
        const { operations: _forgotten, ...kept } = session;
        return kept;
      };
      const driver = withPlan(createMemoryDriver(), (planned) => ({
        ...planned,
        next: forget(planned.next),
      }));
      return {
        ...driver,
        insert: (session, events, options) => driver.insert(forget(session), events, options),
      };
    }),
    // Every SS-IDEM case it can run (SS-IDEM-03 needs multiProcess), and the export, which carries
    // the operations map.
    red: ["SS-IDEM-01", "SS-IDEM-02", "SS-IDEM-04", "SS-IDEM-05", "SS-IDEM-06", "SS-IDEM-07", "SS-J-08"],
  },
  {
    // store-postgres before its fix (issue 14, defect 9): seq bounds bound to int4 parameters.
    name: "overflows 32-bit seq bounds",
    harness: harnessOf("mutant-int4-seq", () => {
      const driver = createMemoryDriver();
      const INT4_MAX = 2 ** 31 - 1;
      return {
        ...driver,
        readEvents(id, fromSeq, toSeq) {
          if (fromSeq > INT4_MAX || (toSeq ?? 0) > INT4_MAX)
            throw new Error("value out of range for type integer");
          return driver.readEvents(id, fromSeq, toSeq);
        },
      };
    }),
    red: ["SS-ID-06"],
  },
  {
    name: "has a plantDebris hook that plants nothing",
    harness: { ...harnessOf("mutant-no-debris", createMemoryDriver), plantDebris: () => undefined },
    red: ["SS-CR-04"],
  },
  {
    name: "returns undefined on a miss",
    harness: harnessOf("mutant-undefined-miss", () => {
      const driver = createMemoryDriver();
      return { ...driver, get: (id) => (driver.get(id) as Session | null) ?? (undefined as unknown as null) };
    }),
    red: [
      "SS-CAP-04",
      "SS-CRUD-04",
      "SS-CRUD-07",
      "SS-CRUD-08",
      "SS-OCC-08",
      "SS-OCC-09",
      "SS-EV-07",
      "SS-CL-01",
      "SS-CL-07",
      "SS-J-07",
      "SS-HOLD-01",
      "SS-IMP-02",
      "SS-IMP-03",
      "SS-IMP-04",
      // The retention lease and deleteMany read sessions through get.
      "SS-RL-04",
      "SS-RL-05",
      // getManyWithHistory without a driver readMany reads through get.
      "SS-RM-01",
    ],
  },
  {
    name: "claims multiProcess without a childModule",
    harness: harnessOf("mutant-claims-multiprocess", () => {
      const driver = createMemoryDriver();
      return { ...driver, capabilities: { ...driver.capabilities, multiProcess: true, multiHandle: true } };
    }),
    // SS-RL-02 forks a lease holder, which needs the child module.
    red: ["SS-CAP-02", "SS-RL-02"],
  },
  {
    name: "does not release its lock when a commit throws",
    harness: harnessOf("mutant-lock-leak", () => {
      const driver = asyncMemoryDriver();
      const locks = new Map<string, Promise<void>>();
      return {
        ...driver,
        async commit(id, plan) {
          while (locks.has(id)) await locks.get(id);
          let release!: () => void;
          locks.set(id, new Promise((resolve) => (release = resolve)));
          const next = driver.commit(id, plan) as Session;
          locks.delete(id);
          release();
          return next;
        },
      };
    }),
    red: ["SS-CC-05"],
    // Its hangs are cut by timeouts; one group keeps the run short.
    options: { groups: ["SS-CC"], timeoutMs: 7_000 },
  },
  {
    name: "reports a sync capability it cannot honour",
    harness: harnessOf("mutant-async-sync", () => {
      const driver = createMemoryDriver();
      return { ...driver, get: async (id) => driver.get(id) as Session | null };
    }),
    red: ["SS-CAP-04", "SS-CRUD-14"],
  },
];
