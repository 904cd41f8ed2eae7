import * as fs from "node:fs";
import { mkdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { errors, SessionKitError } from "@sessionkit/core/driver";
import lockfile from "proper-lockfile";

const MAX_BACKOFF_MS = 25;
// proper-lockfile copies the fs object it is given on every lockSync; graceful-fs (its default)
// has ~100 members, which made that copy a fifth of a whole commit. It needs only these.
const lockFs = {
  mkdirSync: fs.mkdirSync,
  realpathSync: fs.realpathSync,
  statSync: fs.statSync,
  rmdirSync: fs.rmdirSync,
  utimesSync: fs.utimesSync,
};
const keepDirFs = { ...lockFs, rmdirSync: () => undefined };
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** A held lock: check it before the commit point, release it in `finally`. */
export interface HeldLock {
  /** Throws ERR_LOCK_COMPROMISED if the lock directory is gone or was taken over since we acquired it. */
  assertHeld(): void;
  /** Releases the lock; a compromised lock is reported, never thrown from a timer. */
  release(): void;
}

/** Options of a lock manager. */
export interface LockManagerOptions {
  component: string;
  staleMs: number;
  timeoutMs: number;
}

/**
 * proper-lockfile, used only through lockSync (one mkdir, no retries inside the library) so the
 * critical sections stay synchronous; waiting is a loop around it, blocking (Atomics.wait) for
 * the sync face and awaiting a timer for the async face.
 */
export function createLockManager(options: LockManagerOptions) {
  const { component, staleMs, timeoutMs } = options;
  const compromised = new Map<string, Error>();

  function tryAcquire(target: string, lockPath: string): HeldLock | null {
    let release: () => void;
    try {
      release = lockOnce(target, lockPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ELOCKED") return null;
      if (code !== "ENOENT") throw error;
      // The directory holding the lock was removed (the store's root, by an operator): recreate it.
      mkdirSync(dirname(lockPath), { recursive: true });
      try {
        release = lockOnce(target, lockPath);
      } catch (again) {
        const code = (again as NodeJS.ErrnoException).code;
        // ENOENT now is a takeover race (another process removed the lock we just made): retry later.
        if (code === "ELOCKED" || code === "ENOENT") return null;
        throw again;
      }
    }
    return held(target, lockPath, release);
  }

  function lockOnce(target: string, lockPath: string): () => void {
    return lockfile.lockSync(target, {
      realpath: false,
      lockfilePath: lockPath,
      stale: staleMs,
      fs: lockFs,
      // The update timer only runs between our synchronous critical sections; if it finds the
      // lock taken over it lands here, and the next check of this lock reports it.
      onCompromised: (error) => {
        compromised.set(lockPath, error);
      },
    });
  }

  function held(target: string, lockPath: string, release: () => void): HeldLock {
    compromised.delete(lockPath);
    let mtimeMs = ownMtime(target) ?? lockMtime(lockPath);
    let released = false;
    return {
      assertHeld() {
        const now = lockMtime(lockPath);
        const lost = compromised.get(lockPath);
        if (lost || now === null || (mtimeMs !== null && now !== mtimeMs)) {
          if (!released) {
            released = true;
            // Forget the lock without removing the directory: it now belongs to someone else.
            try {
              lockfile.unlockSync(target, { realpath: false, lockfilePath: lockPath, fs: keepDirFs });
            } catch {}
          }
          throw lockCompromised(component, lockPath, lost);
        }
        mtimeMs = now;
      },
      release() {
        if (released) return;
        released = true;
        try {
          release();
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== "ERELEASED" && code !== "ENOTACQUIRED" && code !== "ENOENT") throw error;
        }
      },
    };
  }

  function backoff(attempt: number): number {
    return Math.min(MAX_BACKOFF_MS, 1 + attempt * 2) * (0.5 + Math.random() / 2);
  }

  return {
    /** Acquires `lockPath`, blocking the thread between attempts; ERR_STORE_BUSY after timeoutMs. */
    acquireSync(target: string, lockPath: string, what: string): HeldLock {
      const start = Date.now();
      for (let attempt = 0; ; attempt++) {
        const held = tryAcquire(target, lockPath);
        if (held) return held;
        const waited = Date.now() - start;
        if (waited >= timeoutMs) throw errors.busy(component, what, waited);
        Atomics.wait(sleeper, 0, 0, Math.min(backoff(attempt), timeoutMs - waited + 1));
      }
    },
    /** Acquires `lockPath`, awaiting a timer between attempts so the event loop keeps running. */
    async acquireAsync(target: string, lockPath: string, what: string): Promise<HeldLock> {
      const start = Date.now();
      for (let attempt = 0; ; attempt++) {
        const held = tryAcquire(target, lockPath);
        if (held) return held;
        const waited = Date.now() - start;
        if (waited >= timeoutMs) throw errors.busy(component, what, waited);
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(backoff(attempt), timeoutMs - waited + 1)),
        );
      }
    },
    /** One attempt, no waiting: null when someone else holds it. */
    tryAcquire,
  };
}

/** The lock manager's type. */
export type LockManager = ReturnType<typeof createLockManager>;

// proper-lockfile keeps the mtime it stamped on each lock it holds; reading it saves a stat per lock.
const internals = (() => {
  try {
    return createRequire(import.meta.url)("proper-lockfile/lib/lockfile.js") as {
      getLocks(): Record<string, { mtime?: Date } | undefined>;
    };
  } catch {
    return undefined;
  }
})();

function ownMtime(target: string): number | null {
  const mtime = internals?.getLocks()[resolve(target)]?.mtime;
  return mtime instanceof Date ? mtime.getTime() : null;
}

function lockMtime(lockPath: string): number | null {
  try {
    return statSync(lockPath).mtimeMs;
  } catch {
    return null;
  }
}

function lockCompromised(component: string, lockPath: string, cause?: Error): SessionKitError {
  return new SessionKitError(
    "ERR_LOCK_COMPROMISED",
    `[${component}] Expected to still hold the lock ${JSON.stringify(lockPath)}, but it was removed or taken over (held longer than the stale time, or deleted by hand). Nothing was written; retry the operation.`,
    { cause, details: { lockPath } },
  );
}
