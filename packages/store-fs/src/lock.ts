import { createHash } from "node:crypto";
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmdirSync,
  statSync,
  unlinkSync,
  utimesSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { errors, SessionKitError } from "@sessionkit/core/driver";
import { errnoCode } from "./fsio.js";

const MAX_BACKOFF_MS = 25;
/** Once a waiter has signalled, it polls this often: the holder hands over at its next append. */
const SIGNALLED_BACKOFF_MS = 2;
const OWNER_SUFFIX = ".owner";
/** The file a waiter creates inside a held lock directory to ask its holder to let go. */
export const WAITING_MARKER = "waiting";
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let acquisitions = 0;
/** This host, in owner file names: a pid is only checked on the host that wrote it. */
const HOST = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);

/**
 * True when the owner file names a process of this host that no longer exists (killed, crashed):
 * its lock is taken over at once instead of after the stale time. A stopped process still exists,
 * and a reused pid looks alive: both wait for the stale time, the safe side.
 */
function ownerIsGone(owner: string): boolean {
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

/** A held lock: check it before the commit point, release it in `finally`. */
export interface HeldLock {
  /** Throws ERR_LOCK_COMPROMISED if our owner file is gone (the lock was taken over); renews it when due. */
  assertHeld(): void;
  /** True when another process has asked for the lock (a `waiting` marker in the lock directory). */
  wanted(): boolean;
  /** Removes the lock if it is still ours; a lock taken over is left to its new owner. */
  release(): void;
}

/** Options of a lock manager. */
export interface LockManagerOptions {
  component: string;
  staleMs: number;
  timeoutMs: number;
}

/**
 * Directory locks, compatible with proper-lockfile's layout (`<id>.lock/`, stale by mtime) but with
 * an identity per acquisition: the holder creates `<token>.owner` inside and renews that file's
 * mtime. The identity is the file, not an mtime (two locks taken in one second carried the same
 * mtime, so a late release removed its successor's lock). A takeover first unlinks the stale owner
 * file, which only one contender can do, so the old holder's next check fails and its release
 * removes nothing. An empty lock directory (proper-lockfile, or a holder killed before writing its
 * owner file) is judged by the directory's mtime. An owner file names its host and pid, so a lock
 * whose holder process is gone from this host is taken over at once (held leases make a lock left
 * by a killed process common; without this, its sessions would wait for the stale time). Waiting
 * is a loop around one non-blocking attempt: Atomics.wait for the sync face, a timer for the async
 * face.
 */
export function createLockManager(options: LockManagerOptions) {
  const { component, staleMs, timeoutMs } = options;
  /** Renew once a quarter of the stale time has passed, so a holder keeps ≥ 3/4 of it as margin. */
  const renewAfterMs = Math.max(1, Math.floor(staleMs / 4));

  const isStale = (mtimeMs: number) => Date.now() - mtimeMs > staleMs;

  /** One attempt: a held lock, or null when someone else holds it (a waiting marker is left then). */
  function tryAcquire(_target: string, lockPath: string): HeldLock | null {
    try {
      mkdirSync(lockPath);
    } catch (error) {
      const code = errnoCode(error);
      if (code === "EEXIST") {
        if (!takeOverIfStale(lockPath)) return null;
        return tryAcquire(_target, lockPath);
      }
      if (code !== "ENOENT") throw error;
      // The directory holding the lock was removed (the store's root, by an operator): recreate it.
      mkdirSync(dirname(lockPath), { recursive: true });
      try {
        mkdirSync(lockPath);
      } catch (again) {
        const code = errnoCode(again);
        if (code === "EEXIST" || code === "ENOENT") return null;
        throw again;
      }
    }
    acquisitions += 1;
    const owner = join(
      lockPath,
      `${HOST}.${process.pid.toString(36)}.${acquisitions.toString(36)}-${Math.random().toString(36).slice(2, 8)}${OWNER_SUFFIX}`,
    );
    try {
      closeSync(openSync(owner, "wx"));
    } catch (error) {
      // ENOENT: a contender judged our empty, just-made directory stale and removed it: retry.
      if (errnoCode(error) === "ENOENT") return null;
      throw error;
    }
    return held(lockPath, owner);
  }

  /** Removes a stale lock; false when the lock is live (then a waiting marker asks its holder to let go). */
  function takeOverIfStale(lockPath: string): boolean {
    let names: string[];
    try {
      if (lstatSync(lockPath).isSymbolicLink()) throw lockIsLink(component, lockPath);
      names = readdirSync(lockPath);
    } catch (error) {
      const code = errnoCode(error);
      // Released (or taken over) between our mkdir and this look: try again at once.
      if (code === "ENOENT" || code === "ENOTDIR") return true;
      throw error;
    }
    const owner = names.find((name) => name.endsWith(OWNER_SUFFIX));
    if (owner) {
      const path = join(lockPath, owner);
      let mtimeMs: number;
      try {
        mtimeMs = statSync(path).mtimeMs;
      } catch {
        return true;
      }
      if (!isStale(mtimeMs) && !ownerIsGone(owner)) {
        if (!names.includes(WAITING_MARKER)) signalWaiting(lockPath);
        return false;
      }
      try {
        // Only one contender can unlink this file: it alone goes on to remove the directory.
        unlinkSync(path);
      } catch (error) {
        if (errnoCode(error) === "ENOENT") return false;
        throw error;
      }
    } else {
      let mtimeMs: number;
      try {
        mtimeMs = statSync(lockPath).mtimeMs;
      } catch {
        return true;
      }
      if (!isStale(mtimeMs)) return false;
    }
    removeLockDir(lockPath);
    return true;
  }

  function held(lockPath: string, owner: string): HeldLock {
    let renewedAt = Date.now();
    let lost = false;
    return {
      assertHeld() {
        if (!lost) {
          try {
            statSync(owner);
          } catch {
            lost = true;
          }
        }
        if (lost) throw lockCompromised(component, lockPath);
        const now = Date.now();
        if (now - renewedAt >= renewAfterMs) {
          const time = new Date(now);
          try {
            utimesSync(owner, time, time);
            // The directory too, for tools that judge a lock the way proper-lockfile does.
            utimesSync(lockPath, time, time);
          } catch {}
          renewedAt = now;
        }
      },
      wanted() {
        try {
          statSync(join(lockPath, WAITING_MARKER));
          return true;
        } catch {
          return false;
        }
      },
      release() {
        if (lost) return;
        lost = true;
        try {
          unlinkSync(owner);
        } catch {
          // Gone: the lock was taken over; the directory belongs to its new owner.
          return;
        }
        removeLockDir(lockPath);
      },
    };
  }

  function backoff(attempt: number, lockPath: string): number {
    const signalled = attempt > 0 && hasMarker(lockPath);
    const cap = signalled ? SIGNALLED_BACKOFF_MS : MAX_BACKOFF_MS;
    return Math.min(cap, 1 + attempt * 2) * (0.5 + Math.random() / 2);
  }

  /** Attempt `attempt` of a wait that began at `start`: the lock, or the ms to wait before the next. */
  function attemptOrWait(target: string, lockPath: string, what: string, start: number, attempt: number) {
    const held = tryAcquire(target, lockPath);
    if (held) return held;
    const waited = Date.now() - start;
    if (waited >= timeoutMs) throw errors.busy(component, what, waited);
    return Math.min(backoff(attempt, lockPath), timeoutMs - waited + 1);
  }

  return {
    /** Acquires `lockPath`, blocking the thread between attempts; ERR_STORE_BUSY after timeoutMs. */
    acquireSync(target: string, lockPath: string, what: string): HeldLock {
      const start = Date.now();
      for (let attempt = 0; ; attempt++) {
        const got = attemptOrWait(target, lockPath, what, start, attempt);
        if (typeof got !== "number") return got;
        Atomics.wait(sleeper, 0, 0, got);
      }
    },
    /** Acquires `lockPath`, awaiting a timer between attempts so the event loop keeps running. */
    async acquireAsync(target: string, lockPath: string, what: string): Promise<HeldLock> {
      const start = Date.now();
      for (let attempt = 0; ; attempt++) {
        const got = attemptOrWait(target, lockPath, what, start, attempt);
        if (typeof got !== "number") return got;
        await new Promise((resolve) => setTimeout(resolve, got));
      }
    },
    /** One attempt, no waiting: null when someone else holds it. */
    tryAcquire,
  };
}

/** The lock manager's type. */
export type LockManager = ReturnType<typeof createLockManager>;

function hasMarker(lockPath: string): boolean {
  try {
    statSync(join(lockPath, WAITING_MARKER));
    return true;
  } catch {
    return false;
  }
}

/** Creates the waiting marker; a lock released meanwhile makes this a no-op. */
function signalWaiting(lockPath: string): void {
  try {
    closeSync(openSync(join(lockPath, WAITING_MARKER), "a"));
  } catch {}
}

/** Removes a lock directory whose owner file we removed: markers first, retried while waiters add them. */
function removeLockDir(lockPath: string): void {
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

function lockIsLink(component: string, lockPath: string): SessionKitError {
  return new SessionKitError(
    "ERR_STORE_IO",
    `[${component}] Expected the lock ${JSON.stringify(lockPath)} to be a directory, got a symbolic link. Remove it; the store never follows links in its directory.`,
    { details: { lockPath } },
  );
}

function lockCompromised(component: string, lockPath: string): SessionKitError {
  return new SessionKitError(
    "ERR_LOCK_COMPROMISED",
    `[${component}] Expected to still hold the lock ${JSON.stringify(lockPath)}, but it was removed or taken over (held longer than the stale time, or deleted by hand). Nothing was written; retry the operation.`,
    { details: { lockPath } },
  );
}
