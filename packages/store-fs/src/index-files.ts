import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
} from "node:fs";
import type { SessionSummary } from "@sessionkit/core/driver";
import { errnoCode, writeAll, writeFileAtomic } from "./fsio.js";
import { readRange } from "./log-lines.js";
import { type StorePaths, token } from "./paths.js";

/** An index entry: the summary a writer published, or `null` while a write is in flight or the record is damaged. */
export type IndexEntry = SessionSummary | null;

/** The folded journal of generation `gen`: every journal before it is inside. */
export interface IndexSnapshot {
  gen: number;
  entries: Array<[string, IndexEntry]>;
  /** The highest version published per id, also for ids whose entry is null (a write in flight). */
  floors?: Array<[string, number]>;
}

/**
 * The index folded in memory: the entry per id, and the highest version published per id. A summary
 * older than the highest one is a late publish (its writer was paused past the stale time and
 * resumed after a newer commit) and is ignored, so "the highest version wins", not "the last line".
 */
export interface IndexFold {
  entries: Map<string, IndexEntry>;
  floors: Map<string, number>;
}

/** The fold a snapshot holds. */
export function foldOf(snapshot: IndexSnapshot): IndexFold {
  const entries = new Map(snapshot.entries);
  const floors = new Map(snapshot.floors ?? []);
  for (const [id, entry] of entries)
    if (entry && !((floors.get(id) ?? -1) >= entry.version)) floors.set(id, entry.version);
  return { entries, floors };
}

/** Sets what a direct read of the files found: the truth, whatever was published before. */
export function setRead(fold: IndexFold, id: string, summary: SessionSummary): void {
  fold.entries.set(id, summary);
  fold.floors.set(id, summary.version);
}

/** Forgets an id (deleted, or no longer in the directory). */
export function forget(fold: IndexFold, id: string): void {
  fold.entries.delete(id);
  fold.floors.delete(id);
}

/** Reads the snapshot; a missing or unreadable one is the empty generation 0 (rebuilt from the files). */
export function readSnapshot(paths: StorePaths): IndexSnapshot {
  try {
    const parsed = JSON.parse(readFileSync(paths.snapshot, "utf8")) as IndexSnapshot;
    if (Number.isSafeInteger(parsed.gen) && Array.isArray(parsed.entries)) return parsed;
  } catch (error) {
    if (errnoCode(error) !== "ENOENT" && !(error instanceof SyntaxError)) throw error;
  }
  return { gen: 0, entries: [] };
}

/** Replaces the snapshot atomically. */
export function writeSnapshot(paths: StorePaths, gen: number, fold: IndexFold, durable: boolean): void {
  const snapshot: IndexSnapshot = { gen, entries: [...fold.entries], floors: [...fold.floors] };
  writeFileAtomic(paths.snapshot, Buffer.from(JSON.stringify(snapshot)), durable);
}

/** Puts an empty journal of generation `gen` in place; replaces the current one when `replace`. */
export function installJournal(paths: StorePaths, gen: number, replace: boolean): void {
  const tmp = `${paths.journal}.${token()}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, "wx");
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") throw error;
    // The store's directory was removed while open: the index starts again from the files.
    mkdirSync(paths.meta, { recursive: true });
    fd = openSync(tmp, "wx");
  }
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

/** The generation in a journal's first line (-1 if unreadable). */
export function journalGen(bytes: Buffer): number {
  try {
    const gen = (JSON.parse(bytes.toString("utf8", 0, bytes.indexOf(10))) as { gen: unknown }).gen;
    return Number.isSafeInteger(gen) ? (gen as number) : -1;
  } catch {
    return -1;
  }
}

/** The generation of the journal file at its path (-1 if absent or unreadable). */
export function readJournalGen(paths: StorePaths): number {
  let fd: number;
  try {
    fd = openSync(paths.journal, "r");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return -1;
    throw error;
  }
  try {
    return journalGen(readRange(fd, 0, 256));
  } finally {
    closeSync(fd);
  }
}

/**
 * Folds complete journal lines of `text` into `fold`; returns the unfinished tail, to be completed
 * by the next read. A summary counts only if its version is above the highest seen for its id (or
 * it starts a new session: `n`); an intent (`x`) makes the id "read directly" until one does.
 */
export function foldJournalText(fold: IndexFold, text: string): string {
  const { entries, floors } = fold;
  let pos = 0;
  for (;;) {
    const nl = text.indexOf("\n", pos);
    if (nl < 0) break;
    const raw = text.slice(pos, nl);
    pos = nl + 1;
    let line: { i?: string; s?: SessionSummary; x?: 1; d?: 1; n?: 1 };
    try {
      line = JSON.parse(raw);
    } catch {
      continue;
    }
    const id = line.i;
    if (typeof id !== "string") continue;
    if (line.d) forget(fold, id);
    else if (line.s) {
      const version = line.s.version;
      if (line.n || !((floors.get(id) ?? -1) >= version)) {
        entries.set(id, line.s);
        floors.set(id, version);
      }
    } else entries.set(id, null);
  }
  return text.slice(pos);
}

/** The entries of the store's directory; none when it was removed. */
export function readStoreDir(paths: StorePaths): string[] {
  try {
    return readdirSync(paths.root);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return [];
    throw error;
  }
}
