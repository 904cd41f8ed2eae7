import { closeSync, fstatSync, statSync } from "node:fs";
import type { CorruptRecordReport, SessionSummary } from "@sessionkit/core/driver";
import { openIfExists, removeQuietly } from "./fsio.js";
import {
  foldJournalText,
  foldOf,
  forget,
  type IndexFold,
  journalGen,
  readJournalGen,
  readSnapshot,
  readStoreDir,
  setRead,
  writeSnapshot,
} from "./index-files.js";
import type { LockManager } from "./lock.js";
import { readRange } from "./log-lines.js";
import { isSessionEntry, type StorePaths } from "./paths.js";

const DEBRIS_AGE_MS = 10 * 60_000;

/** What compaction needs from the index it folds. */
export interface CompactionOptions {
  paths: StorePaths;
  durable: boolean;
  locks: LockManager;
  /** Reads one session's summary from its files; damaged ones are pushed to `corrupt`. */
  readDirect(id: string, corrupt: CorruptRecordReport[]): SessionSummary | null;
  /** Puts an empty journal of `gen` in place of the current one (writers follow it). */
  rotate(gen: number): void;
}

/**
 * Folding the index journal into its snapshot, and rebuilding both from the session files, under
 * the index lock. Both start a new journal generation first, so writers that append meanwhile
 * land in the new journal and the old one can be read to its end.
 */
export function createCompaction(options: CompactionOptions) {
  const { paths, durable, locks, readDirect, rotate } = options;

  function removeDebris(names: string[]): void {
    const now = Date.now();
    for (const name of names) {
      if (!name.startsWith(".new.") && !name.startsWith(".trash.")) continue;
      try {
        if (now - statSync(`${paths.root}/${name}`).mtimeMs > DEBRIS_AGE_MS)
          removeQuietly(`${paths.root}/${name}`);
      } catch {}
    }
  }

  /**
   * Fills in ids the fold leaves unknown or in flight, by reading them directly. Must run after the
   * journal rotation: an id whose lock directory exists then may have a writer whose intent line
   * went to the old journal, so it stays "read directly" (null) until that writer publishes.
   */
  function settle(fold: IndexFold, names: string[], all: boolean): void {
    const { entries } = fold;
    const present = new Set(names.filter(isSessionEntry));
    for (const id of [...entries.keys()]) if (!present.has(id)) forget(fold, id);
    const locked = new Set(names.filter((name) => name.endsWith(".lock")).map((name) => name.slice(0, -5)));
    const ignored: CorruptRecordReport[] = [];
    for (const id of present) {
      if (locked.has(id)) {
        entries.set(id, null);
        continue;
      }
      if (!all && entries.get(id)) continue;
      const summary = readDirect(id, ignored);
      if (summary) setRead(fold, id, summary);
      else if (ignored.some((report) => report.id === id)) entries.set(id, null);
      else forget(fold, id);
    }
  }

  /** Starts generation `gen` from `entries` (folded, or empty for a rebuild from the files alone). */
  function install(gen: number, fold: IndexFold, all: boolean): void {
    const names = readStoreDir(paths);
    settle(fold, names, all);
    writeSnapshot(paths, gen, fold, durable);
    removeDebris(names);
  }

  /** Rebuilds from the session files alone, under the index lock (held by the caller). */
  function rebuildLocked(afterGen: number): void {
    rotate(afterGen + 1);
    install(afterGen + 1, { entries: new Map(), floors: new Map() }, true);
  }

  /** Folds the journal into a new snapshot under the index lock; false if another process is at it. */
  function compact(): boolean {
    const held = locks.tryAcquire(paths.indexLockTarget, paths.indexLock);
    if (!held) return false;
    try {
      const snapshot = readSnapshot(paths);
      const fd = openIfExists(paths.journal, "r");
      if (fd === undefined) {
        rebuildLocked(snapshot.gen);
        return true;
      }
      try {
        const gen = journalGen(readRange(fd, 0, 256));
        if (gen !== snapshot.gen) {
          rebuildLocked(Math.max(gen, snapshot.gen));
          return true;
        }
        rotate(gen + 1);
        // Writers that still append to the old journal notice the rotation and append again.
        const bytes = readRange(fd, 0, fstatSync(fd).size);
        const folded = foldOf(snapshot);
        foldJournalText(folded, bytes.toString("utf8", bytes.indexOf(10) + 1));
        install(gen + 1, folded, false);
        return true;
      } finally {
        closeSync(fd);
      }
    } finally {
      held.release();
    }
  }

  /** Rebuilds the index from the session files, waiting for the index lock. */
  function rebuild(): void {
    const held = locks.acquireSync(paths.indexLockTarget, paths.indexLock, "The listing index");
    try {
      rebuildLocked(Math.max(readSnapshot(paths).gen, readJournalGen(paths)));
    } finally {
      held.release();
    }
  }

  return { compact, rebuild };
}
