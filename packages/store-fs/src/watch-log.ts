import { closeSync, constants as fsConstants, fstatSync, openSync, statSync, watch } from "node:fs";
import { join } from "node:path";
import {
  type ChangeFeed,
  type ChangeRecord,
  insertChange,
  type NewChange,
  type Session,
  type SessionSummary,
} from "@sessionkit/core/driver";
import { lastChangeOf, missingChange } from "./change-repair.js";
import { errnoCode, openIfExists, writeAll } from "./fsio.js";
import { readRange } from "./log-lines.js";
import type { StorePaths } from "./paths.js";

/** Set SESSIONKIT_FS_WATCH=poll to wake watchers by stat polling only (no fs.watch), e.g. on NFS. */
export const FS_WATCH_ENV = "SESSIONKIT_FS_WATCH";
/** Stat polling interval when fs.watch is off or unavailable. */
const POLL_MS = 25;
/** Backstop re-read while fs.watch works: a dropped fs.watch event costs at most this much latency. */
const BACKSTOP_MS = 250;
/** Bytes read per call; a page of changes is far smaller. */
const CHUNK = 1024 * 1024;

/**
 * The filesystem change log: `.sessionkit/changes.jsonl`, one JSON line per change, appended with
 * O_APPEND while the writer holds the session's lock, right after the commit point. A change's
 * pos is the byte offset where its line ends: lines never move (the file is never compacted or
 * rewritten), so cursors stay valid across processes and restarts. Appends from every process
 * land in one order (small O_APPEND writes are atomic on local filesystems); per session that is
 * the commit order, since each line is written under the session's lock. A process killed
 * between its commit point and this append leaves its lock behind, and whoever takes the lock over
 * (the next writer, or a store opening) appends the missing line first (repair).
 */
export function createFsChangeLog(paths: StorePaths, view: () => { sessions: SessionSummary[] }) {
  const file = join(paths.meta, "changes.jsonl");
  let fd: number | undefined;

  /** The first open of a store that has no change log gives every existing session a "created" line. */
  function seedIfMissing(): void {
    let created: number;
    try {
      created = openSync(
        file,
        fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_EXCL,
      );
    } catch (error) {
      if (errnoCode(error) === "EEXIST") return;
      throw error;
    }
    try {
      const rows = [...view().sessions].sort((a, b) =>
        a.updatedAt === b.updatedAt ? (a.id < b.id ? -1 : 1) : a.updatedAt < b.updatedAt ? -1 : 1,
      );
      const lines = rows.map((row) =>
        JSON.stringify(insertChange(row as never, Array.from({ length: row.eventCount }) as never)),
      );
      if (lines.length > 0) writeAll(created, Buffer.from(`${lines.join("\n")}\n`), null);
    } finally {
      closeSync(created);
    }
  }

  /** Appends the changes' lines in one write (one O_APPEND write lands whole, in one place). */
  function write(changes: NewChange[]): void {
    fd ??= openSync(file, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT);
    const text =
      changes.length === 1 ? JSON.stringify(changes[0]) : changes.map((c) => JSON.stringify(c)).join("\n");
    writeAll(fd, Buffer.from(`${text}\n`), null);
  }

  /**
   * Under the session's lock, taken over from a holder that died holding it: records the change
   * that holder committed but did not record, if any (change-repair.ts). `current`: the session
   * now (null: none). Run again after a second kill, it finds the line and writes nothing.
   */
  function repair(id: string, current: Session | null): void {
    const missing = missingChange(id, current, lastChangeOf(file, id));
    if (missing) write([missing]);
  }

  /** The offset where the line holding byte `offset` starts. */
  function lineStart(reader: number, offset: number): number {
    let end = offset;
    while (end > 0) {
      const from = Math.max(0, end - 4096);
      const bytes = readRange(reader, from, end);
      const newline = bytes.lastIndexOf(10);
      if (newline >= 0) return from + newline + 1;
      end = from;
    }
    return 0;
  }

  function read(after: number, limit: number): ChangeRecord[] {
    const reader = openIfExists(file, "r");
    if (reader === undefined) return [];
    try {
      const size = fstatSync(reader).size;
      if (after >= size) return [];
      const start = after > 0 ? lineStart(reader, after) : 0;
      const bytes = readRange(reader, start, Math.min(size, start + CHUNK));
      const out: ChangeRecord[] = [];
      let from = 0;
      for (;;) {
        const newline = bytes.indexOf(10, from);
        if (newline < 0 || out.length >= limit) break;
        const end = start + newline + 1;
        if (end > after) {
          const change = parse(bytes.toString("utf8", from, newline), end);
          if (change) out.push(change);
        }
        from = newline + 1;
      }
      return out;
    } finally {
      closeSync(reader);
    }
  }

  function size(): number {
    try {
      return statSync(file).size;
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return 0;
      throw error;
    }
  }

  const feed: ChangeFeed = {
    read,
    head: size,
    pollMs: BACKSTOP_MS,
    subscribe(wake) {
      let last = size();
      const poll = () => {
        const now = size();
        if (now !== last) {
          last = now;
          wake();
        }
      };
      let watcher: ReturnType<typeof watch> | undefined;
      if (process.env[FS_WATCH_ENV] !== "poll") {
        try {
          // The file itself (created at open, never replaced): a directory watch also fires for
          // every index.jsonl append, and did not reliably report this file's appends.
          watcher = watch(file, { persistent: false }, poll);
          watcher.on("error", () => {
            watcher?.close();
            watcher = undefined;
            timer ??= setInterval(poll, POLL_MS);
            timer.unref();
          });
        } catch {
          watcher = undefined;
        }
      }
      let timer: NodeJS.Timeout | undefined = watcher ? undefined : setInterval(poll, POLL_MS);
      timer?.unref();
      return () => {
        watcher?.close();
        clearInterval(timer);
      };
    },
  };

  return {
    feed,
    write,
    repair,
    lastVersion: (id: string) => lastChangeOf(file, id)?.version ?? 0,
    seedIfMissing,
    close(): void {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

function parse(text: string, pos: number): ChangeRecord | undefined {
  try {
    return { ...(JSON.parse(text) as NewChange), pos };
  } catch {
    // Only a disk that filled mid-append leaves a damaged line; the changes around it stand.
    return undefined;
  }
}
