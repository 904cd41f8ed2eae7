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
import type { HeldLock } from "./lock.js";
import type { createLockedOps } from "./locked-ops.js";

type LockedOps = ReturnType<typeof createLockedOps>;

/** How the recorded operations reach the change log. */
export interface ChangeSink {
  /** Appends the changes' lines (one write). */
  write(changes: NewChange[]): void;
  /** The version of the last change the log holds for `id` (0 when none): the costly backward scan. */
  lastVersion(id: string): number;
}

/**
 * The locked operations, each recording its change in the change log right after its commit
 * point, still under the session's lock (so per session the log's order is the commit order).
 * A holder killed in between leaves its lock behind: its taker repairs the change (onTakeOver in
 * fs-driver.ts). A holder whose line cannot be written leaves its lock the same way (abandon), and
 * one whose lock was taken over meanwhile (stopped past the stale time) writes its line only if
 * the taker's repair did not already.
 */
export function recordingOps(ops: LockedOps, sink: ChangeSink) {
  function record(changes: NewChange[], held: HeldLock): void {
    for (const change of changes) faultBeforeChange(change.kind);
    const owed = held.stillHeld()
      ? changes
      : changes.filter((change) => sink.lastVersion(change.sessionId) < change.version);
    if (owed.length === 0) return;
    try {
      sink.write(owed);
    } catch {
      // After the commit point a failure must not fail the operation (a retry would apply it twice).
      held.abandon();
    }
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
      record([insertChange(args[0], args[1])], args[3]);
    },
    commit(
      id: string,
      plan: (current: Session) => CommitPlan,
      lease: Parameters<LockedOps["commit"]>[2],
    ): Session {
      let change: NewChange | undefined;
      const next = ops.commit(
        id,
        (current) => {
          const planned = plan(current);
          change = commitChange(current, planned);
          return planned;
        },
        lease,
      );
      if (change) record([change], lease.held);
      return next;
    },
    remove(...args: Parameters<LockedOps["remove"]>): boolean {
      const last = lastState(args[0]);
      const removed = ops.remove(...args);
      if (removed) record([deleteChange(args[0], last)], args[2]);
      return removed;
    },
    /** Records the deletes of a batch prune (under their locks), with the summaries they were chosen by. */
    pruned(moved: Array<{ id: string; held: HeldLock; summary: SessionSummary | undefined }>): void {
      // One write for the batch while every lock is still ours (1,000 small writes before).
      if (moved.every(({ held }) => held.stillHeld())) {
        const changes = moved.map(({ id, summary }) => deleteChange(id, summary));
        if (changes.length === 0) return;
        for (const change of changes) faultBeforeChange(change.kind);
        try {
          sink.write(changes);
        } catch {
          for (const { held } of moved) held.abandon();
        }
        return;
      }
      for (const { id, held, summary } of moved) record([deleteChange(id, summary)], held);
    },
    pruneIfStillDue(...args: Parameters<LockedOps["pruneIfStillDue"]>): boolean {
      const last = lastState(args[0]);
      const removed = ops.pruneIfStillDue(...args);
      if (removed) record([deleteChange(args[0], last)], args[3]);
      return removed;
    },
  };
}
