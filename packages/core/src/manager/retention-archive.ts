import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { DELETE_BATCH_SIZE } from "../hold-guard.js";
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION } from "../transfer.js";

/** One archive line to append: the file, and the session's canonical export line. */
export interface ArchiveLine {
  path: string;
  line: string;
}

/** How much of an archive's end is read per step when looking for its last chunk. */
const TAIL_STEP = 256 * 1024;

/**
 * The archive side of a retention run. A chunk's lines are appended and fsynced before its
 * delete, so a run killed between the two leaves lines whose sessions are still in the store,
 * and the next run would archive them again. Those lines can only be the file's last chunk (at
 * most DELETE_BATCH_SIZE lines: runs are one at a time, and each chunk's delete follows its
 * append), so the first append to a file in a run reads that many lines back from its end and
 * skips a line that is already there byte for byte (same session, same version, same history).
 * A torn last line (killed inside the write: no fsync returned, no delete followed) is cut off.
 */
export function createArchiver(source: string, nowMs: number) {
  const tails = new Map<string, Set<string>>();

  /** Opens `path` for appending; its tail lines, read once per run. */
  function open(path: string): { fd: number; seen: Set<string>; header: string } {
    const fd = openSync(path, "a+");
    try {
      const size = fstatSync(fd).size;
      let seen = tails.get(path);
      if (seen === undefined) {
        seen = readTail(fd, size);
        tails.set(path, seen);
      }
      const header =
        fstatSync(fd).size === 0
          ? `${JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_FORMAT_VERSION, exportedAt: new Date(nowMs).toISOString(), source })}\n`
          : "";
      return { fd, seen, header };
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  return {
    /** Appends a chunk's lines to their files (a header when a file is new), one fsync per file. */
    append(lines: readonly ArchiveLine[]): void {
      const byPath = new Map<string, string[]>();
      for (const { path, line } of lines) {
        const list = byPath.get(path);
        if (list === undefined) byPath.set(path, [line]);
        else list.push(line);
      }
      for (const [path, list] of byPath) {
        const { fd, seen, header } = open(path);
        try {
          const fresh = list.filter((line) => !seen.has(line));
          if (fresh.length === 0) continue;
          writeSync(fd, `${header}${fresh.join("\n")}\n`);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    },
  };
}

/**
 * The session lines among the file's last DELETE_BATCH_SIZE complete lines; first cuts a torn
 * last line (no newline after it) off the file.
 */
function readTail(fd: number, size: number): Set<string> {
  const parts: Buffer[] = [];
  let start = size;
  let newlines = 0;
  while (start > 0 && newlines <= DELETE_BATCH_SIZE) {
    const from = Math.max(0, start - TAIL_STEP);
    const buffer = Buffer.alloc(start - from);
    readSync(fd, buffer, 0, buffer.length, from);
    parts.unshift(buffer);
    for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) newlines++;
    start = from;
  }
  let tail = Buffer.concat(parts);
  const end = tail.lastIndexOf(10) + 1;
  if (end < tail.length) {
    ftruncateSync(fd, start + end);
    tail = tail.subarray(0, end);
  }
  const lines = tail.toString("utf8").split("\n");
  lines.pop();
  // Read from the middle of the file, the first piece may be part of a line (or of a character).
  if (start > 0) lines.shift();
  return new Set(lines.slice(-DELETE_BATCH_SIZE).filter((line) => line.startsWith('{"session":')));
}
