import {
  closeSync,
  existsSync,
  constants as fsConstants,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
} from "node:fs";
import {
  type CorruptRecordReport,
  isSessionKitError,
  type SessionSummary,
  toSummary,
} from "@sessionkit/core/driver";
import { errnoCode, removeQuietly, writeAll, writeFileAtomic } from "./fsio.js";
import type { LockManager } from "./lock.js";
import { isSessionEntry, type StorePaths, token } from "./paths.js";
import { type LoadedSession, readRange } from "./session-files.js";

/** An index entry: the summary a writer published, or `null` while a write is in flight or the record is damaged. */
type Entry = SessionSummary | null;

/** What list, count, stats and prune work on: every session the directory holds, as a full scan would see it. */
export interface IndexView {
  summaries: SessionSummary[];
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
const DEBRIS_AGE_MS = 10 * 60_000;

/**
 * The listing index: `.sessionkit/index.jsonl`, a journal every writer appends to while it holds
 * the session's lock (an intent line before its commit, the new summary after it, a tombstone
 * after a delete), plus `.sessionkit/index.snapshot.json`, the journal folded by compaction.
 * Each journal starts with its generation; a snapshot of generation G folds every journal
 * before G. A reader folds snapshot + journal (latest line per id wins), reads new journal
 * bytes only on later calls, and reconciles with readdir: directories the index does not know
 * (seed sessions) and ids whose last line is an intent are read directly from session.json.
 * Everything here can be rebuilt from the session files (`rebuild()`).
 */
export function createIndex(options: IndexOptions) {
  const { paths, durable, locks, load } = options;
  const compactBytes = options.compactBytes ?? 8 * 1024 * 1024;
  let map = new Map<string, Entry>();
  let cacheIno = -1;
  let cacheOffset = 0;
  let pending = "";
  let writeFd: number | undefined;
  let writeIno = -1;

  mkdirSync(paths.meta, { recursive: true });

  function readSnapshot(): { gen: number; entries: Array<[string, Entry]> } {
    try {
      const parsed = JSON.parse(readFileSync(paths.snapshot, "utf8")) as {
        gen: number;
        entries: Array<[string, Entry]>;
      };
      if (Number.isSafeInteger(parsed.gen) && Array.isArray(parsed.entries)) return parsed;
    } catch (error) {
      if (errnoCode(error) !== "ENOENT" && !(error instanceof SyntaxError)) throw error;
    }
    return { gen: 0, entries: [] };
  }

  /** Puts a journal of generation `gen` in place; replaces the current one when `replace`. */
  function installJournal(gen: number, replace: boolean): void {
    const tmp = `${paths.journal}.${token()}.tmp`;
    const fd = openSync(tmp, "wx");
    try {
      writeAll(fd, Buffer.from(`${JSON.stringify({ gen })}\n`), 0);
    } finally {
      closeSync(fd);
    }
    try {
      if (replace) renameSync(tmp, paths.journal);
      else linkSync(tmp, paths.journal);
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") throw error;
    } finally {
      if (!replace) unlinkSync(tmp);
    }
  }

  function openForAppend(): void {
    for (;;) {
      try {
        writeFd = openSync(paths.journal, fsConstants.O_WRONLY | fsConstants.O_APPEND);
        writeIno = fstatSync(writeFd).ino;
        return;
      } catch (error) {
        if (errnoCode(error) !== "ENOENT") throw error;
        installJournal(readSnapshot().gen, false);
      }
    }
  }

  /**
   * Appends one line; if compaction replaced the journal meanwhile, appends it to the new one too.
   * Intent lines skip that check: compaction keeps every id whose lock directory exists as "read
   * directly", which covers an intent that landed in a replaced journal.
   */
  function append(line: string, checkRotation = true): number {
    const data = Buffer.from(line);
    for (let attempt = 0; ; attempt++) {
      if (writeFd === undefined) openForAppend();
      writeAll(writeFd as number, data, null);
      if (!checkRotation) return 0;
      let current: { ino: number; size: number } | null = null;
      try {
        current = statSync(paths.journal);
      } catch (error) {
        if (errnoCode(error) !== "ENOENT") throw error;
      }
      if (current && current.ino === writeIno) return current.size;
      closeSync(writeFd as number);
      writeFd = undefined;
      if (attempt > 10) return 0;
    }
  }

  function applyText(text: string): void {
    let pos = 0;
    for (;;) {
      const nl = text.indexOf("\n", pos);
      if (nl < 0) break;
      const raw = text.slice(pos, nl);
      pos = nl + 1;
      let line: { i?: string; s?: SessionSummary; x?: 1; d?: 1 };
      try {
        line = JSON.parse(raw);
      } catch {
        continue;
      }
      if (typeof line.i !== "string") continue;
      if (line.d) map.delete(line.i);
      else if (line.s) map.set(line.i, line.s);
      else map.set(line.i, null);
    }
    pending = text.slice(pos);
  }

  /** Loads snapshot + journal from scratch; false if they are of different generations. */
  function loadFull(): boolean {
    const snapshot = readSnapshot();
    let fd: number;
    try {
      fd = openSync(paths.journal, "r");
    } catch (error) {
      if (errnoCode(error) !== "ENOENT") throw error;
      installJournal(snapshot.gen, false);
      return false;
    }
    try {
      const stat = fstatSync(fd);
      const bytes = readRange(fd, 0, stat.size);
      const nl = bytes.indexOf(10);
      let gen = -1;
      try {
        gen = (JSON.parse(bytes.toString("utf8", 0, nl)) as { gen: number }).gen;
      } catch {}
      if (gen !== snapshot.gen) return false;
      map = new Map(snapshot.entries);
      const text = bytes.toString("utf8", nl + 1);
      applyText(text);
      cacheIno = stat.ino;
      cacheOffset = stat.size;
      return true;
    } finally {
      closeSync(fd);
    }
  }

  function refresh(): void {
    let stat: { ino: number; size: number };
    try {
      stat = statSync(paths.journal);
    } catch (error) {
      if (errnoCode(error) !== "ENOENT") throw error;
      stat = { ino: -2, size: 0 };
    }
    if (stat.ino === cacheIno) {
      if (stat.size > cacheOffset) {
        const fd = openSync(paths.journal, "r");
        try {
          const bytes = readRange(fd, cacheOffset, stat.size);
          cacheOffset += bytes.length;
          applyText(pending + bytes.toString("utf8"));
        } finally {
          closeSync(fd);
        }
      }
      return;
    }
    pending = "";
    // Snapshot and journal of different generations: a compaction is between its two steps
    // (wait for it while it holds the index lock), or one died there (rebuild).
    for (let attempt = 0; attempt < 500; attempt++) {
      if (loadFull()) return;
      if (!existsSync(paths.indexLock)) break;
      Atomics.wait(WAIT_SLOT, 0, 0, 10);
    }
    rebuild();
    if (!loadFull()) throw new Error("the listing index could not be loaded after a rebuild");
  }

  function readDirect(id: string, corrupt: CorruptRecordReport[]): SessionSummary | null {
    try {
      const loaded = load(id);
      return loaded ? toSummary(loaded.session) : null;
    } catch (error) {
      if (
        isSessionKitError(error, "ERR_CORRUPT_RECORD") ||
        isSessionKitError(error, "ERR_UNSUPPORTED_RECORD_VERSION")
      ) {
        corrupt.push({ id, code: error.code as CorruptRecordReport["code"], message: error.message });
        return null;
      }
      throw error;
    }
  }

  /** Every session, as a full scan would see it right now. */
  function view(): IndexView {
    refresh();
    const summaries: SessionSummary[] = [];
    const corrupt: CorruptRecordReport[] = [];
    let unknown = 0;
    for (const name of readdirSync(paths.root)) {
      if (!isSessionEntry(name)) continue;
      const entry = map.get(name);
      if (entry) {
        summaries.push(entry);
        continue;
      }
      if (entry === undefined) unknown += 1;
      const summary = readDirect(name, corrupt);
      if (summary) summaries.push(summary);
    }
    if (unknown > 64 || cacheOffset > compactBytes) compact();
    return { summaries, corrupt };
  }

  /** Replaces the journal by a new generation; returns the old one's descriptor for reading. */
  function rotate(gen: number): void {
    installJournal(gen, true);
    if (writeFd !== undefined) {
      closeSync(writeFd);
      writeFd = undefined;
    }
  }

  function writeSnapshot(gen: number, entries: Map<string, Entry>): void {
    const data = Buffer.from(JSON.stringify({ gen, entries: [...entries] }));
    writeFileAtomic(paths.snapshot, data, durable);
  }

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
  function settle(entries: Map<string, Entry>, names: string[], present: Set<string>, all: boolean): void {
    const locked = new Set(names.filter((name) => name.endsWith(".lock")).map((name) => name.slice(0, -5)));
    const ignored: CorruptRecordReport[] = [];
    for (const id of present) {
      if (locked.has(id)) {
        entries.set(id, null);
        continue;
      }
      if (!all && entries.get(id)) continue;
      const summary = readDirect(id, ignored);
      if (summary) entries.set(id, summary);
      else if (ignored.some((report) => report.id === id)) entries.set(id, null);
      else entries.delete(id);
    }
  }

  /** Folds the journal into a new snapshot under the index lock; false if another process is at it. */
  function compact(): boolean {
    const held = locks.tryAcquire(paths.indexLockTarget, paths.indexLock);
    if (!held) return false;
    try {
      const snapshot = readSnapshot();
      let fd: number;
      try {
        fd = openSync(paths.journal, "r");
      } catch (error) {
        if (errnoCode(error) !== "ENOENT") throw error;
        rebuildLocked(snapshot.gen);
        return true;
      }
      try {
        const head = readRange(fd, 0, 256);
        let gen = -1;
        try {
          gen = (JSON.parse(head.toString("utf8", 0, head.indexOf(10))) as { gen: number }).gen;
        } catch {}
        if (gen !== snapshot.gen) {
          rebuildLocked(Math.max(gen, snapshot.gen));
          return true;
        }
        rotate(gen + 1);
        // Writers that still append to the old journal notice the rotation and append again.
        const bytes = readRange(fd, 0, fstatSync(fd).size);
        const saved = { map, pending };
        map = new Map(snapshot.entries);
        applyText(bytes.toString("utf8", bytes.indexOf(10) + 1));
        const folded = map;
        map = saved.map;
        pending = saved.pending;
        const names = readdirSync(paths.root);
        const present = new Set(names.filter(isSessionEntry));
        for (const id of folded.keys()) if (!present.has(id)) folded.delete(id);
        settle(folded, names, present, false);
        writeSnapshot(gen + 1, folded);
        cacheIno = -1;
        removeDebris(names);
        return true;
      } finally {
        closeSync(fd);
      }
    } finally {
      held.release();
    }
  }

  /** Rebuilds from the session files alone, under the index lock (held by the caller). */
  function rebuildLocked(afterGen: number): void {
    const gen = afterGen + 1;
    rotate(gen);
    const names = readdirSync(paths.root);
    const entries = new Map<string, Entry>();
    settle(entries, names, new Set(names.filter(isSessionEntry)), true);
    writeSnapshot(gen, entries);
    cacheIno = -1;
    removeDebris(names);
  }

  /** Rebuilds the index from the session files, waiting for the index lock. */
  function rebuild(): void {
    const held = locks.acquireSync(paths.indexLockTarget, paths.indexLock, "The listing index");
    try {
      let gen = readSnapshot().gen;
      try {
        const fd = openSync(paths.journal, "r");
        try {
          const head = readRange(fd, 0, 256);
          gen = Math.max(
            gen,
            (JSON.parse(head.toString("utf8", 0, head.indexOf(10))) as { gen: number }).gen,
          );
        } finally {
          closeSync(fd);
        }
      } catch {}
      rebuildLocked(gen);
    } finally {
      held.release();
    }
  }

  return {
    /** Before a commit, under the session lock: readers read this id directly until the summary follows. */
    intent(id: string): number {
      return append(`{"i":${JSON.stringify(id)},"x":1}\n`, false);
    },
    /** After a commit, under the session lock. */
    publish(summary: SessionSummary): number {
      return append(`${JSON.stringify({ i: summary.id, s: summary })}\n`);
    },
    /** After a delete, under the session lock. */
    tombstone(id: string): number {
      return append(`{"i":${JSON.stringify(id)},"d":1}\n`);
    },
    view,
    compact,
    rebuild,
    /** Compacts when the journal has grown past the threshold (writers call it after releasing their lock). */
    maybeCompact(journalSize: number): void {
      if (journalSize > compactBytes * 2) compact();
    },
    close(): void {
      if (writeFd !== undefined) closeSync(writeFd);
      writeFd = undefined;
    },
  };
}

/** The index type. */
export type SessionIndex = ReturnType<typeof createIndex>;
