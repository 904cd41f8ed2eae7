import {
  closeSync,
  existsSync,
  constants as fsConstants,
  fstatSync,
  mkdirSync,
  openSync,
  statSync,
} from "node:fs";
import {
  type CorruptRecordReport,
  decodeOrReport,
  type ScanResult,
  type SessionSummary,
  toSummary,
} from "@sessionkit/core/driver";
import { errnoCode, openIfExists, writeAll } from "./fsio.js";
import { createCompaction } from "./index-compaction.js";
import {
  foldJournalText,
  foldOf,
  type IndexFold,
  installJournal,
  journalGen,
  readSnapshot,
  readStoreDir,
} from "./index-files.js";
import type { LockManager } from "./lock.js";
import { readRange } from "./log-lines.js";
import { isSessionEntry, type StorePaths } from "./paths.js";
import type { LoadedSession } from "./session-load.js";

/**
 * What list, count, stats and prune work on: every session the directory holds, as a full scan
 * would see it (the driver's scan(): core derives list, count and stats from it).
 */
export interface IndexView extends ScanResult {
  sessions: SessionSummary[];
  corrupt: CorruptRecordReport[];
}

/** Options of the index. */
export interface IndexOptions {
  paths: StorePaths;
  durable: boolean;
  locks: LockManager;
  load(id: string): LoadedSession | null;
  /** Journal size after which a reader folds it into the snapshot (default 8 MiB). */
  compactBytes?: number;
}

const WAIT_SLOT = new Int32Array(new SharedArrayBuffer(4));

/**
 * The listing index: `.sessionkit/index.jsonl`, a journal every writer appends to while it holds
 * the session's lock (an intent line before its commit, the new summary after it, a tombstone
 * after a delete), plus `.sessionkit/index.snapshot.json`, the journal folded by compaction.
 * Each journal starts with its generation; a snapshot of generation G folds every journal
 * before G. A reader folds snapshot + journal (the highest version per id wins), reads new journal
 * bytes only on later calls, and reconciles with readdir: directories the index does not know
 * (seed sessions) and ids whose last line is an intent are read directly from session.json.
 * Everything here can be rebuilt from the session files (`rebuild()`).
 */
export function createIndex(options: IndexOptions) {
  const { paths, durable, locks, load } = options;
  const compactBytes = options.compactBytes ?? 8 * 1024 * 1024;
  /** The fold of snapshot + journal up to `foldedOffset` of the journal file `foldedIno`. */
  let folded: IndexFold = { entries: new Map(), floors: new Map() };
  let foldedIno = -1;
  let foldedOffset = 0;
  let unfinished = "";
  let appendFd: number | undefined;
  let appendIno = -1;
  /** Journal size seen by the last append, for compaction once no session lock is held. */
  let grownTo = 0;

  mkdirSync(paths.meta, { recursive: true });

  function openForAppend(): void {
    for (;;) {
      try {
        appendFd = openSync(paths.journal, fsConstants.O_WRONLY | fsConstants.O_APPEND);
        appendIno = fstatSync(appendFd).ino;
        return;
      } catch (error) {
        if (errnoCode(error) !== "ENOENT") throw error;
        installJournal(paths, readSnapshot(paths).gen, false);
      }
    }
  }

  function closeAppendFd(): void {
    if (appendFd !== undefined) closeSync(appendFd);
    appendFd = undefined;
  }

  /**
   * Appends one line; if compaction replaced the journal meanwhile, appends it to the new one too.
   * Intent lines skip that check: compaction keeps every id whose lock directory exists as "read
   * directly", which covers an intent that landed in a replaced journal.
   */
  function append(line: string, checkRotation = true): void {
    const data = Buffer.from(line);
    for (let attempt = 0; ; attempt++) {
      if (appendFd === undefined) openForAppend();
      writeAll(appendFd as number, data, null);
      if (!checkRotation) return;
      let current: { ino: number; size: number } | null = null;
      try {
        current = statSync(paths.journal);
      } catch (error) {
        if (errnoCode(error) !== "ENOENT") throw error;
      }
      if (current && current.ino === appendIno) {
        grownTo = current.size;
        return;
      }
      closeAppendFd();
      if (attempt > 10) return;
    }
  }

  /** Loads snapshot + journal from scratch; false if they are of different generations. */
  function loadFull(): boolean {
    const snapshot = readSnapshot(paths);
    const fd = openIfExists(paths.journal, "r");
    if (fd === undefined) {
      installJournal(paths, snapshot.gen, false);
      return false;
    }
    try {
      const stat = fstatSync(fd);
      const bytes = readRange(fd, 0, stat.size);
      if (journalGen(bytes) !== snapshot.gen) return false;
      folded = foldOf(snapshot);
      unfinished = foldJournalText(folded, bytes.toString("utf8", bytes.indexOf(10) + 1));
      foldedIno = stat.ino;
      foldedOffset = stat.size;
      return true;
    } finally {
      closeSync(fd);
    }
  }

  /** Brings the fold up to date: new journal bytes only, or a full load after a rotation. */
  function refresh(): void {
    let stat: { ino: number; size: number };
    try {
      stat = statSync(paths.journal);
    } catch (error) {
      if (errnoCode(error) !== "ENOENT") throw error;
      stat = { ino: -2, size: 0 };
    }
    if (stat.ino === foldedIno) {
      if (stat.size > foldedOffset) {
        const fd = openSync(paths.journal, "r");
        try {
          const bytes = readRange(fd, foldedOffset, stat.size);
          foldedOffset += bytes.length;
          unfinished = foldJournalText(folded, unfinished + bytes.toString("utf8"));
        } finally {
          closeSync(fd);
        }
      }
      return;
    }
    unfinished = "";
    // Snapshot and journal of different generations: a compaction is between its two steps
    // (wait for it while it holds the index lock), or one died there (rebuild).
    for (let attempt = 0; attempt < 500; attempt++) {
      if (loadFull()) return;
      if (!existsSync(paths.indexLock)) break;
      Atomics.wait(WAIT_SLOT, 0, 0, 10);
    }
    compaction.rebuild();
    if (!loadFull()) throw new Error("the listing index could not be loaded after a rebuild");
  }

  function readDirect(id: string, corrupt: CorruptRecordReport[]): SessionSummary | null {
    return decodeOrReport(id, () => readSummary(id), corrupt);
  }
  function readSummary(id: string): SessionSummary | null {
    const loaded = load(id);
    return loaded ? toSummary(loaded.session) : null;
  }

  const compaction = createCompaction({
    paths,
    durable,
    locks,
    readDirect,
    rotate(gen) {
      installJournal(paths, gen, true);
      closeAppendFd();
      foldedIno = -1;
    },
  });

  /** Every session, as a full scan would see it right now. */
  function view(): IndexView {
    refresh();
    const sessions: SessionSummary[] = [];
    const corrupt: CorruptRecordReport[] = [];
    let unknown = 0;
    for (const name of readStoreDir(paths)) {
      if (!isSessionEntry(name)) continue;
      const entry = folded.entries.get(name);
      if (entry) {
        sessions.push(entry);
        continue;
      }
      if (entry === undefined) unknown += 1;
      const summary = readDirect(name, corrupt);
      if (summary) sessions.push(summary);
    }
    if (unknown > 64 || foldedOffset > compactBytes) compaction.compact();
    return { sessions, corrupt };
  }

  return {
    /** Before a commit, under the session lock: readers read this id directly until the summary follows. */
    intent(id: string): void {
      append(`{"i":${JSON.stringify(id)},"x":1}\n`, false);
    },
    /** After a commit, under the session lock; `fresh`: a new (or replacing) session, whatever version came before. */
    publish(summary: SessionSummary, fresh = false): void {
      append(
        `${JSON.stringify(fresh ? { i: summary.id, s: summary, n: 1 } : { i: summary.id, s: summary })}\n`,
      );
    },
    /** After a delete, under the session lock. */
    tombstone(id: string): void {
      append(`{"i":${JSON.stringify(id)},"d":1}\n`);
    },
    /** After a batch of deletes (prune), under their locks: one append for all. */
    tombstones(ids: string[]): void {
      if (ids.length > 0) append(ids.map((id) => `{"i":${JSON.stringify(id)},"d":1}\n`).join(""));
    },
    /**
     * The summary every writer published for `id`, read after `refresh()` while holding its lock:
     * then no commit is in flight, so it is current; null or undefined means "read it directly".
     */
    published(id: string): SessionSummary | null | undefined {
      return folded.entries.get(id);
    },
    refresh,
    view,
    compact: compaction.compact,
    rebuild: compaction.rebuild,
    /** Compacts once the journal has grown past twice the threshold; writers call it after releasing their lock. */
    compactIfGrown(): void {
      const size = grownTo;
      grownTo = 0;
      if (size > compactBytes * 2) {
        try {
          compaction.compact();
        } catch {}
      }
    },
    close: closeAppendFd,
  };
}

/** The index type. */
export type SessionIndex = ReturnType<typeof createIndex>;
