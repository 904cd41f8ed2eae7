import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { token } from "./paths.js";

/** Writes all of `data` at `position` (or the current offset), looping over short writes. */
export function writeAll(fd: number, data: Buffer, position: number | null): void {
  let done = 0;
  while (done < data.length) {
    done += writeSync(fd, data, done, data.length - done, position === null ? null : position + done);
  }
}

/** fsync of a directory, so a rename or a new entry in it survives a power loss. */
export function fsyncDir(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` atomically: temporary file beside it, (fsync), rename, (directory fsync: skip it
 * only when losing the rename to a power cut is harmless, the old file still being valid).
 * On any failure (ENOSPC, EACCES, …) the temporary file is removed and `path` is untouched.
 */
export function writeFileAtomic(path: string, data: Buffer, durable: boolean, syncDir = durable): void {
  const tmp = `${path}.${token()}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx");
    writeAll(fd, data, 0);
    if (durable) fdatasyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {}
    }
    try {
      unlinkSync(tmp);
    } catch {}
    throw error;
  }
  if (syncDir) fsyncDir(dirname(path));
}

/** Writes a new file that nobody else can see yet (inside a staging directory). */
export function writeNewFile(path: string, data: Buffer, durable: boolean): void {
  const fd = openSync(path, "wx");
  try {
    writeAll(fd, data, 0);
    if (durable) fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** rm -rf that never throws: used for trash whose removal is not part of any commit. */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 2 });
  } catch {}
}

/** The errno code of an error, if any. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Opens `path`, or undefined when it (or a directory on the way) does not exist. */
export function openIfExists(path: string, flags: string | number): number | undefined {
  try {
    return openSync(path, flags);
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}
