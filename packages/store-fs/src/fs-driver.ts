import { closeSync, mkdirSync } from "node:fs";
import {
  errors,
  fullContractCapabilities,
  isCorruptRecordError,
  type Session,
  type StoreDriver,
} from "@sessionkit/core/driver";
import { readLastLoggedEvents, readLoggedEvents } from "./event-reads.js";
import { createFlusher } from "./flush.js";
import { swapFsLease } from "./fs-lease.js";
import { pruneSessions } from "./fs-prune.js";
import { createIndex } from "./index-journal.js";
import { createLockManager } from "./lock.js";
import { recoverDeadLocks, sessionOfLock } from "./lock-recovery.js";
import { createLockRunners, type LockRunner } from "./lock-runners.js";
import { type CommitCache, createLockedOps } from "./locked-ops.js";
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
  /** Set once the change log exists: finishes what a holder killed under a session's lock left. */
  let repair: (id: string) => void = () => {};
  const locks = createLockManager({
    component: NAME,
    staleMs: options.lockStaleMs,
    timeoutMs: options.lockTimeoutMs,
    onTakeOver(lockPath) {
      const id = sessionOfLock(paths, lockPath);
      if (id !== undefined) repair(id);
    },
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
    settle: ops.settle,
    flusher: createFlusher(),
  });
  const changeLog = createFsChangeLog(paths, () => index.view());
  changeLog.seedIfMissing();
  repair = (id) => {
    let current: Session | null;
    try {
      current = loadSession(paths, id, NAME)?.session ?? null;
    } catch (error) {
      // A damaged session has no state to describe; its repair waits for the record to be fixed.
      if (isCorruptRecordError(error)) return;
      throw error;
    }
    changeLog.repair(id, current);
  };
  recoverDeadLocks(paths, locks);
  const recorded = recordingOps(ops, changeLog);
  const pruneParts = { index, runners, ops, recorded };
  const capabilities = fullContractCapabilities({ sync: true, maxPayloadBytes: options.maxPayloadBytes });

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
      // list, count and stats: core derives them from scan() (its filter, order and folds).
      scan: () => index.view(),
      delete: (id, check) => run(id, (lease) => recorded.remove(id, check, lease.held)),
      prune: (statuses, before, dryRun) => pruneSessions(pruneParts, run, statuses, before, dryRun),
      swapLease: (name, expected, next) => swapFsLease(paths, locks, durable, name, expected, next),
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
