import {
  isDueForPrune,
  type MaybePromise,
  type SessionStatus,
  type SessionSummary,
} from "@sessionkit/core/driver";
import { removeQuietly } from "./fsio.js";
import type { SessionIndex } from "./index-journal.js";
import type { HeldLock } from "./lock.js";
import type { createLockRunners, LockRunner } from "./lock-runners.js";
import type { CommitCache, createLockedOps } from "./locked-ops.js";
import type { recordingOps } from "./watch-ops.js";

/** Sessions per prune batch: bounds how long a prune holds locks others may wait for. */
const PRUNE_BATCH = 256;

/** What prune works with: the index it chooses from, the locks, and the recorded deletes. */
export interface PruneParts {
  index: SessionIndex;
  runners: ReturnType<typeof createLockRunners<CommitCache>>;
  ops: ReturnType<typeof createLockedOps>;
  recorded: ReturnType<typeof recordingOps>;
}

/**
 * The store's prune (core's scan-derived prune deletes one session at a time): candidates chosen
 * from the index by core's rule, then batches of sessions whose locks are free now, one directory
 * fsync and one journal append per batch; sessions another writer holds after those, one at a
 * time through `run`, waiting for each lock. Each is decided again under its lock.
 */
export function pruneSessions(
  parts: PruneParts,
  run: LockRunner<CommitCache>,
  statuses: SessionStatus[],
  before: string,
  dryRun: boolean,
): MaybePromise<string[]> {
  const { index, runners, ops, recorded } = parts;
  const due = index.view().sessions.filter((row) => isDueForPrune(row, statuses, before));
  const candidates = due.map((row) => row.id).sort();
  if (dryRun) return candidates;
  const summaries = new Map<string, SessionSummary>(due.map((row) => [row.id, row]));
  const removed: string[] = [];
  const contended: string[] = [];
  for (let start = 0; start < candidates.length; start += PRUNE_BATCH) {
    const { taken, busy } = runners.takeFree(candidates.slice(start, start + PRUNE_BATCH));
    contended.push(...busy);
    let moved: Array<{ id: string; trash: string }>;
    try {
      const batch = taken.map(({ id, lease }) => ({ id, held: lease.held }));
      moved = ops.pruneBatch(batch, statuses, before);
      const heldOf = new Map(batch.map(({ id, held }) => [id, held]));
      recorded.pruned(
        moved.map(({ id }) => ({ id, held: heldOf.get(id) as HeldLock, summary: summaries.get(id) })),
      );
    } finally {
      runners.endAll(taken);
    }
    for (const { id, trash } of moved) {
      removed.push(id);
      removeQuietly(trash);
    }
  }
  const pruneOne = (id: string) =>
    run(id, (lease) => {
      if (recorded.pruneIfStillDue(id, statuses, before, lease.held)) removed.push(id);
    });
  let pending: unknown;
  for (const id of contended) {
    pending = pending instanceof Promise ? pending.then(() => pruneOne(id)) : pruneOne(id);
  }
  const sorted = () => removed.sort();
  return pending instanceof Promise ? pending.then(sorted) : sorted();
}
