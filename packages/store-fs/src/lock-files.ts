import { createHash } from "node:crypto";
import { closeSync, openSync, readdirSync, rmdirSync, statSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { SessionKitError } from "@sessionkit/core/driver";
import { errnoCode } from "./fsio.js";

/** The files inside a lock directory (lock.ts): owner files, the waiting marker, and their errors. */

export const OWNER_SUFFIX = ".owner";
/** The file a waiter creates inside a held lock directory to ask its holder to let go. */
export const WAITING_MARKER = "waiting";
/** This host, in owner file names: a pid is only checked on the host that wrote it. */
export const HOST = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);

/**
 * True when the owner file names a process of this host that no longer exists (killed, crashed):
 * its lock is taken over at once instead of after the stale time. A stopped process still exists,
 * and a reused pid looks alive: both wait for the stale time, the safe side.
 */
export function ownerIsGone(owner: string): boolean {
  const [host, pid] = owner.split(".", 2);
  if (host !== HOST || !pid) return false;
  const number = Number.parseInt(pid, 36);
  if (!Number.isSafeInteger(number) || number <= 0 || number === process.pid) return false;
  try {
    process.kill(number, 0);
    return false;
  } catch (error) {
    return errnoCode(error) === "ESRCH";
  }
}

export function hasMarker(lockPath: string): boolean {
  try {
    statSync(join(lockPath, WAITING_MARKER));
    return true;
  } catch {
    return false;
  }
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {}
}

/** Creates the waiting marker; a lock released meanwhile makes this a no-op. */
export function signalWaiting(lockPath: string): void {
  try {
    closeSync(openSync(join(lockPath, WAITING_MARKER), "a"));
  } catch {}
}

/** Removes a lock directory whose owner file we removed: markers first, retried while waiters add them. */
export function removeLockDir(lockPath: string): void {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      unlinkSync(join(lockPath, WAITING_MARKER));
    } catch {}
    try {
      rmdirSync(lockPath);
      return;
    } catch (error) {
      const code = errnoCode(error);
      if (code === "ENOENT") return;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
      // A new owner file means another contender already made this directory its lock.
      try {
        if (readdirSync(lockPath).some((name) => name.endsWith(OWNER_SUFFIX))) return;
      } catch {
        return;
      }
    }
  }
}

export function lockIsLink(component: string, lockPath: string): SessionKitError {
  return new SessionKitError(
    "ERR_STORE_IO",
    `[${component}] Expected the lock ${JSON.stringify(lockPath)} to be a directory, got a symbolic link. Remove it; the store never follows links in its directory.`,
    { details: { lockPath } },
  );
}

export function lockCompromised(component: string, lockPath: string): SessionKitError {
  return new SessionKitError(
    "ERR_LOCK_COMPROMISED",
    `[${component}] Expected to still hold the lock ${JSON.stringify(lockPath)}, but it was removed or taken over (held longer than the stale time, or deleted by hand). Nothing was written; retry the operation.`,
    { details: { lockPath } },
  );
}
