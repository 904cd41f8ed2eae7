import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { LockManager } from "./lock.js";
import { isSessionEntry, type StorePaths } from "./paths.js";

const LOCK_SUFFIX = ".lock";

/** The session a lock path belongs to (`<root>/<id>.lock`); undefined for the store's other locks. */
export function sessionOfLock(paths: StorePaths, lockPath: string): string | undefined {
  if (dirname(lockPath) !== paths.root) return undefined;
  const name = basename(lockPath);
  if (!name.endsWith(LOCK_SUFFIX)) return undefined;
  const id = name.slice(0, -LOCK_SUFFIX.length);
  return isSessionEntry(id) ? id : undefined;
}

/**
 * At open: every session lock whose holder (a process of this host) died holding it is taken
 * over and released, so what the holder left half done is finished (its change line) even if
 * nobody writes that session again. A stale lock of another host waits for the next writer. One readdir of the root (10,000 sessions: a few ms); live locks are
 * left alone and not asked to let go. A failure leaves the lock for the next writer to recover.
 */
export function recoverDeadLocks(paths: StorePaths, locks: LockManager): void {
  let names: string[];
  try {
    names = readdirSync(paths.root);
  } catch {
    return;
  }
  for (const name of names) {
    const lockPath = join(paths.root, name);
    if (sessionOfLock(paths, lockPath) === undefined) continue;
    try {
      locks.recoverIfDead(lockPath);
    } catch {}
  }
}
