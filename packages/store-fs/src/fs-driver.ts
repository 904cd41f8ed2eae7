import { closeSync, mkdirSync } from "node:fs";
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
import { createFlusher } from "./flush.js";
import { removeQuietly } from "./fsio.js";
import { createIndex } from "./index-journal.js";
import { createLockManager } from "./lock.js";
import { createLockRunners, type LockRunner } from "./lock-runners.js";
import { type CommitCache, createLockedOps } from "./locked-ops.js";
import type { ResolvedFsStoreOptions } from "./options.js";
import { storePaths } from "./paths.js";
import { loadSession } from "./session-load.js";
import { createFsChangeLog } from "./watch-log.js";
import { recordingOps } from "./watch-ops.js";

const NAME = "store-fs";
/** Sessions per prune batch: bounds how long a prune holds locks others may wait for. */
const PRUNE_BATCH = 256;

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
  const runners = createLockRunners<CommitCache>({
    paths,
    locks,
    staleMs: options.lockStaleMs,
    afterRelease: index.compactIfGrown,
    dispose: (cache) => closeSync(cache.fd),
    flusher: createFlusher(),
  });
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
  function driver(run: LockRunner<CommitCache>): StoreDriver {
    return {
      name: NAME,
      capabilities,
      insert: (session, events, { overwrite, check }) =>
        run(session.id, (lease) => recorded.insert(session, events, overwrite, lease.held, check)),
      get: (id) => ops.read(id)?.session ?? null,
      commit: (id, plan) => run(id, (lease) => recorded.commit(id, plan, lease), true),
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
      delete: (id, check) => run(id, (lease) => recorded.remove(id, check, lease.held)),
      prune(statuses, before, dryRun) {
        const due = index
          .view()
          .summaries.filter((row) => statuses.includes(row.status) && row.updatedAt < before);
        const summaries = new Map(due.map((row) => [row.id, row]));
        const candidates = due.map((row) => row.id).sort();
        if (dryRun) return candidates;
        const removed: string[] = [];
        const contended: string[] = [];
        // Batches of sessions whose locks are free now: one directory fsync and one journal append each.
        for (let start = 0; start < candidates.length; start += PRUNE_BATCH) {
          const { taken, busy } = runners.takeFree(candidates.slice(start, start + PRUNE_BATCH));
          contended.push(...busy);
          let moved: Array<{ id: string; trash: string }>;
          try {
            moved = ops.pruneBatch(
              taken.map(({ id, lease }) => ({ id, held: lease.held })),
              statuses,
              before,
            );
            for (const { id } of moved) recorded.pruned(id, summaries.get(id));
          } finally {
            runners.endAll(taken);
          }
          for (const { id, trash } of moved) {
            removed.push(id);
            removeQuietly(trash);
          }
        }
        // Sessions another writer holds: one at a time, waiting for each lock.
        const pruneOne = (id: string) =>
          run(id, (lease) => {
            if (recorded.pruneIfStillDue(id, statuses, before, lease.held)) removed.push(id);
          });
        let chain: unknown;
        for (const id of contended) {
          chain = chain instanceof Promise ? chain.then(() => pruneOne(id)) : pruneOne(id);
        }
        const sorted = () => removed.sort();
        return chain instanceof Promise ? chain.then(sorted) : sorted();
      },
      close: () => {
        runners.close();
        index.close();
      },
      changes: changeLog.feed,
    };
  }

  return {
    paths,
    index,
    syncDriver: driver(runners.blocking),
    asyncDriver: driver(runners.queued),
    close: () => {
      runners.close();
      changeLog.close();
      index.close();
    },
  };
}
