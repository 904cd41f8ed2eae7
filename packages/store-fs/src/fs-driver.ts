import { mkdirSync } from "node:fs";
import {
  addToAggregate,
  compareForList,
  emptyAggregate,
  errors,
  isAfterPosition,
  type ListPosition,
  matchesFilter,
  type ParsedFilter,
  type StatsAggregate,
  type StoreCapabilities,
  type StoreDriver,
} from "@sessionkit/core/driver";
import { readLastLoggedEvents, readLoggedEvents } from "./event-reads.js";
import { createIndex } from "./index-journal.js";
import { createLockManager } from "./lock.js";
import { createLockRunners, type LockRunner } from "./lock-runners.js";
import { createLockedOps } from "./locked-ops.js";
import type { ResolvedFsStoreOptions } from "./options.js";
import { storePaths } from "./paths.js";
import { loadSession } from "./session-load.js";
import { createFsChangeLog } from "./watch-log.js";
import { recordingOps } from "./watch-ops.js";

const NAME = "store-fs";

/**
 * The filesystem store's parts: the index, the locked operations and the lock runners, and the
 * drivers over them. The sync face's driver blocks on a busy lock; the async face's awaits.
 */
export function createFsCore(options: ResolvedFsStoreOptions) {
  const paths = storePaths(options.dir);
  const durable = options.durability === "fsync";
  mkdirSync(paths.root, { recursive: true });
  const locks = createLockManager({
    component: NAME,
    staleMs: options.lockStaleMs,
    timeoutMs: options.lockTimeoutMs,
  });
  const index = createIndex({ paths, durable, locks, load: (id) => loadSession(paths, id, NAME) });
  const ops = createLockedOps({
    component: NAME,
    paths,
    durable,
    checkpointEvery: options.checkpointEvery,
    index,
  });
  const runners = createLockRunners({ paths, locks, afterRelease: index.compactIfGrown });
  const changeLog = createFsChangeLog(paths, () => index.view());
  changeLog.seedIfMissing();
  const recorded = recordingOps(ops, changeLog.record);
  const capabilities: StoreCapabilities = {
    persistent: true,
    multiHandle: true,
    multiProcess: true,
    crashSafe: true,
    sync: true,
    maxPayloadBytes: options.maxPayloadBytes,
    leases: true,
    idempotency: true,
  };

  function matching(filter: ParsedFilter) {
    const { summaries, corrupt } = index.view();
    return { rows: summaries.filter((summary) => matchesFilter(summary, filter)), corrupt };
  }

  function loaded(id: string) {
    const found = ops.read(id);
    if (!found) throw errors.notFound(NAME, id);
    return found;
  }

  /** A driver whose writes enter their critical section through `run`. */
  function driver(run: LockRunner): StoreDriver {
    return {
      name: NAME,
      capabilities,
      insert: (session, events, { overwrite }) =>
        run(session.id, (held) => recorded.insert(session, events, overwrite, held)),
      get: (id) => ops.read(id)?.session ?? null,
      commit: (id, plan) => run(id, (held) => recorded.commit(id, plan, held)),
      readEvents: (id, fromSeq, toSeq) =>
        readLoggedEvents(paths, id, loaded(id), fromSeq, toSeq ?? Number.MAX_SAFE_INTEGER, NAME),
      readLastEvents: (id, count) => readLastLoggedEvents(paths, id, loaded(id), count, NAME),
      list(filter: ParsedFilter, after: ListPosition | undefined, limit: number) {
        const { rows, corrupt } = matching(filter);
        const page = (after ? rows.filter((row) => isAfterPosition(row, after)) : rows)
          .sort(compareForList)
          .slice(0, limit);
        return { items: page.map((row) => structuredClone(row)), corrupt };
      },
      stats(filter) {
        const aggregate: StatsAggregate = emptyAggregate();
        for (const row of matching(filter).rows) addToAggregate(aggregate, row);
        return aggregate;
      },
      count: (filter) => matching(filter).rows.length,
      delete: (id, check) => run(id, (held) => recorded.remove(id, check, held)),
      prune(statuses, before, dryRun) {
        const candidates = index
          .view()
          .summaries.filter((row) => statuses.includes(row.status) && row.updatedAt < before)
          .map((row) => row.id)
          .sort();
        if (dryRun) return candidates;
        const removed: string[] = [];
        const pruneOne = (id: string) =>
          run(id, (held) => {
            if (recorded.pruneIfStillDue(id, statuses, before, held)) removed.push(id);
          });
        let chain: unknown;
        for (const id of candidates) {
          chain = chain instanceof Promise ? chain.then(() => pruneOne(id)) : pruneOne(id);
        }
        return chain instanceof Promise ? chain.then(() => removed) : removed;
      },
      changes: changeLog.feed,
      close: () => index.close(),
    };
  }

  return {
    paths,
    index,
    syncDriver: driver(runners.blocking),
    asyncDriver: driver(runners.queued),
    close: () => {
      changeLog.close();
      index.close();
    },
  };
}
