import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  unlinkSync,
  utimesSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { errors } from "@sessionkit/core/driver";
import { errnoCode } from "./fsio.js";
import {
  HOST,
  hasMarker,
  lockCompromised,
  lockIsLink,
  OWNER_SUFFIX,
  ownerIsGone,
  removeLockDir,
  signalWaiting,
  unlinkQuietly,
  WAITING_MARKER,
} from "./lock-files.js";

const MAX_BACKOFF_MS = 25;
/** Once a waiter has signalled, it polls this often: the holder hands over at its next append. */
const SIGNALLED_BACKOFF_MS = 2;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let acquisitions = 0;
/** A held lock: check it before the commit point, release it in `finally`. */
export interface HeldLock {
  /** Throws ERR_LOCK_COMPROMISED if our owner file is gone (the lock was taken over); renews it when due. */
  assertHeld(): void;
  /** False once the lock was taken over; a stat only when the last check is older than half the stale time. */
  stillHeld(): boolean;
  /**
   * Leaves the lock in place, as a killed holder would, for a taker to finish after the stale time
   * (onTakeOver): for a section that passed its commit point but could not write all it owed.
   */
  abandon(): void;
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
  /**
   * Called with the lock path right after a lock whose holder died (or went stale) holding it was
   * taken over, while the new holder has it and before anyone else can: the holder may have been
   * killed inside its critical section, so what it left half done is finished here. Throwing leaves
   * the lock with its new (live) owner file until the stale time: the next taker tries again.
   */
  onTakeOver?(lockPath: string): void;
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
  const { component, staleMs, timeoutMs, onTakeOver } = options;
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
        const taken = takeOverIfStale(lockPath, true);
        if (taken === false) return null;
        if (taken === true) return tryAcquire(_target, lockPath);
        return taken;
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
    const owner = createOwner(lockPath);
    return owner === null ? null : held(lockPath, owner);
  }

  /** Our owner file in `lockPath`; null when the directory is gone (a contender judged it stale). */
  function createOwner(lockPath: string): string | null {
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
    return owner;
  }

  /**
   * Takes over, in place, a lock whose owner file `stale` is stale or names a dead process: our
   * owner file first, then the stale one unlinked, which only one contender can do (the losers
   * remove theirs). The directory never stands empty meanwhile, so nobody else can judge it stale
   * and slip in: the winner alone runs onTakeOver before anyone commits. Null if we lost.
   */
  function takeOverInPlace(lockPath: string, stale: string[]): HeldLock | null {
    const mine = createOwner(lockPath);
    if (mine === null) return null;
    const time = new Date();
    try {
      // For tools that judge the lock by the directory's mtime, the way proper-lockfile does.
      utimesSync(lockPath, time, time);
      unlinkSync(stale[0] as string);
    } catch (error) {
      unlinkQuietly(mine);
      if (errnoCode(error) === "ENOENT") return null;
      throw error;
    }
    for (const leftover of stale.slice(1)) unlinkQuietly(leftover);
    const lock = held(lockPath, mine);
    // A throw leaves our live owner file: the lock goes to whoever takes it over after the stale time.
    onTakeOver?.(lockPath);
    return lock;
  }

  /**
   * Finishes what a dead holder left under `lockPath` when every owner file in it names a process
   * of this host that is gone (killed): takes the lock over (running onTakeOver) and releases it.
   * Anything else (a live lock, a stale one from another host, an empty directory) is left as it
   * is, with no waiting marker, for the next writer and for `sessionkit verify` to see. For a
   * store opening: a session nobody writes again is repaired too.
   */
  function recoverIfDead(lockPath: string): void {
    let owners: string[];
    try {
      owners = readdirSync(lockPath)
        .filter((name) => name.endsWith(OWNER_SUFFIX))
        .sort();
    } catch {
      return;
    }
    if (owners.length === 0 || !owners.every(ownerIsGone)) return;
    takeOverInPlace(
      lockPath,
      owners.map((owner) => join(lockPath, owner)),
    )?.release();
  }

  /**
   * A lock with a stale or dead owner file is taken over in place (the held lock is returned; null
   * counts as busy); an empty stale directory is removed (true: try mkdir again). False when the lock
   * is live: then, with `signal`, a waiting marker asks its holder to let go.
   */
  function takeOverIfStale(lockPath: string, signal: boolean): HeldLock | boolean {
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
    // Several owner files stand only for a moment (a takeover in place, or its loser killed before
    // removing its own): the lock is live if any of them is.
    const owners = names.filter((name) => name.endsWith(OWNER_SUFFIX)).sort();
    if (owners.length > 0) {
      for (const owner of owners) {
        let mtimeMs: number;
        try {
          mtimeMs = statSync(join(lockPath, owner)).mtimeMs;
        } catch {
          return true;
        }
        if (!isStale(mtimeMs) && !ownerIsGone(owner)) {
          if (signal && !names.includes(WAITING_MARKER)) signalWaiting(lockPath);
          return false;
        }
      }
      // Every contender unlinks the same one (the first by name), so exactly one wins.
      return (
        takeOverInPlace(
          lockPath,
          owners.map((owner) => join(lockPath, owner)),
        ) ?? false
      );
    }
    {
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
    let checkedAt = renewedAt;
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
        checkedAt = now;
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
      stillHeld() {
        // Checked (and renewed when due) less than half the stale time ago: nobody can have judged
        // it stale since, so no stat is needed on the hot path.
        if (!lost && Date.now() - checkedAt >= staleMs / 2) {
          try {
            statSync(owner);
            checkedAt = Date.now();
          } catch {
            lost = true;
          }
        }
        return !lost;
      },
      abandon() {
        lost = true;
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
    recoverIfDead,
  };
}

/** The lock manager's type. */
export type LockManager = ReturnType<typeof createLockManager>;

export { WAITING_MARKER } from "./lock-files.js";
