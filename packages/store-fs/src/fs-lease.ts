import { mkdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { LeaseSwap } from "@sessionkit/core/driver";
import { errnoCode, writeFileAtomic } from "./fsio.js";
import type { LockManager } from "./lock.js";
import type { StorePaths } from "./paths.js";

/**
 * store.swapLease on the filesystem: `.sessionkit/lease-<name>.json` holds the text, changed only
 * under the directory lock `.sessionkit/lease-<name>.lock` (the one every session write uses, so a
 * holder killed inside is taken over at once). The compare and the atomic rename happen inside
 * that lock; it is held for one small read and write, so the sync face's blocking wait is fine.
 */
export function swapFsLease(
  paths: StorePaths,
  locks: LockManager,
  durable: boolean,
  name: string,
  expected: string | null,
  next: string | null,
): LeaseSwap {
  mkdirSync(paths.meta, { recursive: true });
  const file = join(paths.meta, `lease-${name}.json`);
  const lockPath = join(paths.meta, `lease-${name}.lock`);
  const held = locks.acquireSync(lockPath, lockPath, `the "${name}" lease`);
  try {
    const current = readIfExists(file);
    if (current !== expected) return { swapped: false, current };
    held.assertHeld();
    if (next === null) {
      if (current !== null) unlinkSync(file);
    } else writeFileAtomic(file, Buffer.from(next, "utf8"), durable);
    return { swapped: true, current: next };
  } finally {
    held.release();
  }
}

function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return null;
    throw error;
  }
}
