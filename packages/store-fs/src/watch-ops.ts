import {
  type CommitPlan,
  commitChange,
  deleteChange,
  insertChange,
  type NewChange,
  type Session,
  type SessionSummary,
} from "@sessionkit/core/driver";
import { faultBeforeChange } from "./fault-hook.js";
import type { createLockedOps } from "./locked-ops.js";

type LockedOps = ReturnType<typeof createLockedOps>;

/**
 * The locked operations, each recording its change in the change log right after its commit
 * point, still under the session's lock (so per session the log's order is the commit order).
 */
export function recordingOps(ops: LockedOps, write: (change: NewChange) => void) {
  function record(change: NewChange): void {
    faultBeforeChange(change.kind);
    write(change);
  }

  /** The state a delete removes, for the facts a filtered watcher matches; undefined when unreadable. */
  function lastState(id: string): Session | undefined {
    try {
      return ops.read(id)?.session;
    } catch {
      return undefined;
    }
  }

  return {
    insert(...args: Parameters<LockedOps["insert"]>): void {
      ops.insert(...args);
      record(insertChange(args[0], args[1]));
    },
    commit(
      id: string,
      plan: (current: Session) => CommitPlan,
      held: Parameters<LockedOps["commit"]>[2],
    ): Session {
      let change: NewChange | undefined;
      const next = ops.commit(
        id,
        (current) => {
          const planned = plan(current);
          change = commitChange(current, planned);
          return planned;
        },
        held,
      );
      if (change) record(change);
      return next;
    },
    remove(...args: Parameters<LockedOps["remove"]>): boolean {
      const last = lastState(args[0]);
      const removed = ops.remove(...args);
      if (removed) record(deleteChange(args[0], last));
      return removed;
    },
    /** Records a delete done by a batch prune (under its locks), with the summary it was chosen by. */
    pruned(id: string, summary: SessionSummary | undefined): void {
      record(deleteChange(id, summary));
    },
    pruneIfStillDue(...args: Parameters<LockedOps["pruneIfStillDue"]>): boolean {
      const last = lastState(args[0]);
      const removed = ops.pruneIfStillDue(...args);
      if (removed) record(deleteChange(args[0], last));
      return removed;
    },
  };
}
