import { renameSync } from "node:fs";
import { type CheckDelete, isDueForPrune, type SessionStatus } from "@sessionkit/core/driver";
import { errnoCode, fsyncDir, removeQuietly } from "./fsio.js";
import type { SessionIndex } from "./index-journal.js";
import type { HeldLock } from "./lock.js";
import { type StorePaths, token } from "./paths.js";
import { type LoadedSession, loadSession, sessionExists } from "./session-load.js";

/** What the deletes need: where the store is, the index they tombstone in, and the locked read. */
export interface LockedDeletesOptions {
  component: string;
  paths: StorePaths;
  durable: boolean;
  index: SessionIndex;
  /** The locked operations' read (flags a damaged record in the index). */
  read(id: string): LoadedSession | null;
}

/**
 * The store's deletes, each run while the caller holds the session's lock (prune's batch: all of
 * theirs): the directory is renamed to trash (the commit point), then tombstoned in the index.
 */
export function createLockedDeletes(options: LockedDeletesOptions) {
  const { component, paths, durable, index, read } = options;
  const exists = (id: string) => sessionExists(paths, id);

  /** Deletes a session known to be present: its directory is renamed to trash, then removed. */
  function removeDir(id: string, held: HeldLock): boolean {
    held.assertHeld();
    const trash = paths.trash(id, token());
    try {
      renameSync(paths.sessionDir(id), trash);
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return false;
      throw error;
    }
    if (durable) fsyncDir(paths.root);
    // After the commit point: listings only show ids whose directory exists, so a lost tombstone is harmless.
    try {
      index.tombstone(id);
    } catch {}
    removeQuietly(trash);
    return true;
  }

  /** Decided again under the lock: a racing commit keeps the session whole. */
  function stillDue(id: string, statuses: SessionStatus[], before: string): boolean {
    let current: { status: SessionStatus; updatedAt: string } | null | undefined = index.published(id);
    if (!current) {
      try {
        current = loadSession(paths, id, component)?.session;
      } catch {
        return false;
      }
    }
    return !!current && isDueForPrune(current, statuses, before);
  }

  return {
    /** Deletes the session; with `check`, only if it accepts the state read under the lock. */
    remove(id: string, check: CheckDelete | undefined, held: HeldLock): boolean {
      if (check) {
        const loaded = read(id);
        if (!loaded) return false;
        check(loaded.session);
      } else if (!exists(id)) {
        return false;
      }
      return removeDir(id, held);
    },

    /** Deletes the session if, decided again under the lock, it is still due. */
    pruneIfStillDue(id: string, statuses: SessionStatus[], before: string, held: HeldLock): boolean {
      index.refresh();
      return stillDue(id, statuses, before) && exists(id) && removeDir(id, held);
    },

    /**
     * Prune of a batch whose locks the caller holds: decides again for each session (from the
     * index, current under the lock, else from its files), renames the due ones to trash, then one
     * directory fsync and one journal append for the whole batch. Returns what moved (the caller
     * removes the trash after releasing the locks). A failure midway still settles what moved.
     */
    pruneBatch(
      batch: Array<{ id: string; held: HeldLock }>,
      statuses: SessionStatus[],
      before: string,
    ): Array<{ id: string; trash: string }> {
      index.refresh();
      const moved: Array<{ id: string; trash: string }> = [];
      try {
        for (const { id, held } of batch) {
          if (!stillDue(id, statuses, before)) continue;
          held.assertHeld();
          const trash = paths.trash(id, token());
          try {
            renameSync(paths.sessionDir(id), trash);
          } catch (error) {
            if (errnoCode(error) === "ENOENT") continue;
            throw error;
          }
          moved.push({ id, trash });
        }
      } finally {
        if (moved.length > 0) {
          if (durable) fsyncDir(paths.root);
          try {
            index.tombstones(moved.map((entry) => entry.id));
          } catch {}
        }
      }
      return moved;
    },
  };
}
