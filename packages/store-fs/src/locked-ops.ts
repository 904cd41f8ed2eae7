import { closeSync, constants, fdatasyncSync, fstatSync, mkdirSync, openSync, renameSync } from "node:fs";
import { join } from "node:path";
import {
  type CheckDelete,
  type CommitPlan,
  checkReplaced,
  errors,
  isCorruptRecordError,
  type Session,
  type SessionEvent,
  toSummary,
} from "@sessionkit/core/driver";
import {
  errnoCode,
  fsyncDir,
  openIfExists,
  removeQuietly,
  writeAll,
  writeFileAtomic,
  writeNewFile,
} from "./fsio.js";
import type { SessionIndex } from "./index-journal.js";
import { landedAt, lateWrite } from "./late-writes.js";
import type { HeldLock } from "./lock.js";
import type { Lease } from "./lock-runners.js";
import { createLockedDeletes } from "./locked-deletes.js";
import { diffLine } from "./log-lines.js";
import { type StorePaths, token } from "./paths.js";
import {
  assertNotLinked,
  checkpointBuffer,
  type LoadedSession,
  linked,
  loadSession,
  NOFOLLOW,
  sessionExists,
} from "./session-load.js";

/** What a commit leaves for the next commit of the same lease: the open log and the state it wrote. */
export interface CommitCache {
  fd: number;
  loaded: LoadedSession;
  /**
   * The summary of `loaded` is not in the index journal yet: the intent line this lease wrote
   * before its first commit makes listings read the session directly until the lease publishes
   * it (settle: when the lease ends, or before another operation on the session). A run of
   * appends writes no index line per commit (on ext4 each line appended to another file lengthens
   * the log's fdatasync: bench/profile/fs-floor.mjs, +49 % for one line at load 17).
   */
  unpublished: boolean;
}

/** Appends only: the kernel puts every line at the log's real end, never at an offset we remembered. */
const LOG_FLAGS = constants.O_RDWR | constants.O_APPEND | NOFOLLOW;

/** Rewrite session.json once the log tail after it exceeds this many bytes. */
const CHECKPOINT_BYTES = 256 * 1024;

/** Options of the locked operations. */
export interface LockedOpsOptions {
  component: string;
  paths: StorePaths;
  durable: boolean;
  /** Rewrite session.json after this many commits in the log since the last rewrite. */
  checkpointEvery: number;
  index: SessionIndex;
}

/**
 * The store's writes, each run while the caller holds the session's lock: commit (one log line),
 * insert (a staged directory renamed into place), delete (renamed to trash), and the read they
 * share. Each announces itself in the index journal before its commit point and publishes after.
 */
export function createLockedOps(options: LockedOpsOptions) {
  const { component, paths, durable, checkpointEvery, index } = options;

  /** Reads a session; a damaged one is also flagged in the index so every listing reports it. */
  function read(id: string, logFd?: number): LoadedSession | null {
    try {
      return loadSession(paths, id, component, logFd);
    } catch (error) {
      if (isCorruptRecordError(error)) {
        try {
          index.intent(id);
        } catch {}
      }
      throw error;
    }
  }

  function writeCheckpoint(id: string, session: Session, logEnd: number): void {
    writeFileAtomic(paths.record(id), checkpointBuffer(session, logEnd), durable);
  }

  /** Moves a seed record's history into log.jsonl, then replaces session.json atomically. */
  function migrateSeedRecord(id: string, loaded: LoadedSession): LoadedSession {
    const base = Buffer.from(
      `${JSON.stringify({ v: loaded.session.version, ev: loaded.legacyHistory ?? [] })}\n`,
    );
    // A crash before the rename leaves the seed record in charge; its leftover log is rewritten here.
    const fd = openSync(paths.log(id), "w");
    try {
      writeAll(fd, base, 0);
      if (durable) fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    writeCheckpoint(id, loaded.session, base.length);
    return {
      ...loaded,
      schemaVersion: 2,
      legacyHistory: undefined,
      logEnd: base.length,
      logSize: base.length,
      tailCommits: 0,
      tailBytes: 0,
    };
  }

  function openLog(id: string): number | undefined {
    try {
      return openIfExists(paths.log(id), LOG_FLAGS);
    } catch (error) {
      if (errnoCode(error) === "ELOOP") throw linked(component, id, "log.jsonl");
      throw error;
    }
  }

  /**
   * Appends the plan's line to the log (the commit point), then checks where it landed, publishes
   * and maybe checkpoints. The check is what makes a late write harmless: a writer paused past the
   * stale time (SIGSTOP, a VM freeze) resumes after another process took the lock and committed;
   * its line lands after theirs, readers pass over it (its version is not new), and it reports
   * ERR_LOCK_COMPROMISED instead of success. Returns null as the next cache when the log held
   * other lines than ours, so the next commit reads it again.
   */
  function appendCommit(
    id: string,
    loaded: LoadedSession,
    plan: (current: Session) => CommitPlan,
    held: HeldLock,
    fd: number,
    intentOpen: boolean,
  ): { next: Session; after: LoadedSession | null; deferred: boolean } {
    const current = loaded.session;
    const { next, events } = plan(current);
    const body = Buffer.from(JSON.stringify(diffLine(current, next, events)), "utf8");
    // A torn fragment of a killed writer at the end: our newline ends it, readers pass over it.
    const prefix = loaded.endsWithNewline ? 0 : 1;
    const line = Buffer.allocUnsafe(prefix + body.length + 1);
    if (prefix) line[0] = 10;
    body.copy(line, prefix);
    line[line.length - 1] = 10;
    const checkpointDue =
      loaded.tailCommits + 1 >= checkpointEvery ||
      loaded.tailBytes + line.length > CHECKPOINT_BYTES ||
      next.status !== loaded.checkpointStatus;
    held.assertHeld();
    if (!intentOpen) index.intent(id);
    // On failure nothing is published: the intent line keeps listings reading this id directly.
    writeAll(fd, line, null);
    // session.json may only point at flushed log bytes: a checkpointing commit flushes here, the
    // others after their section (lock released), sharing the flush with whoever appends meanwhile.
    if (durable && checkpointDue) fdatasyncSync(fd);
    const stat = fstatSync(fd);
    if (stat.nlink === 0) throw lateWrite(component, id, "the session was deleted meanwhile");
    let logEnd = stat.size;
    let skips = loaded.skips;
    const alone = stat.size === loaded.logSize + line.length;
    if (!alone) {
      logEnd = landedAt(component, id, fd, loaded, body, stat.size);
      skips = true;
    }
    let tailCommits = loaded.tailCommits + 1;
    let tailBytes = loaded.tailBytes + (logEnd - loaded.logEnd);
    let checkpointStatus = loaded.checkpointStatus;
    if (checkpointDue) {
      // The commit is already durable in the log; a failed checkpoint is retried by the next commit.
      try {
        // No directory fsync for a periodic checkpoint: a rename lost to a power cut leaves the
        // previous session.json, whose older logOffset the log (append-only) still extends. That
        // was 1 of the 3 syncs of a checkpointing commit. A status change keeps it, for readers
        // of session.json alone (the seed module).
        const statusChanged = next.status !== loaded.checkpointStatus;
        writeFileAtomic(
          paths.record(id),
          checkpointBuffer(next, logEnd, skips),
          durable,
          durable && statusChanged,
        );
        tailCommits = 0;
        tailBytes = 0;
        checkpointStatus = next.status;
      } catch {}
    }
    // After the commit point a failure must not fail the commit (a retry would apply it twice): the
    // intent line already makes listings read this id directly until a later summary lands. A
    // commit whose state the lease keeps publishes it later (CommitCache.unpublished).
    if (!alone) {
      try {
        index.publish(toSummary(next));
      } catch {}
    }
    const after: LoadedSession = {
      ...loaded,
      // A copy: `next` goes to the caller, who may change it; the next commit plans from this one.
      session: structuredClone(next),
      logEnd,
      logSize: stat.size,
      tailCommits,
      tailBytes,
      checkpointStatus,
      endsWithNewline: true,
      skips,
    };
    return { next, after: alone ? after : null, deferred: durable && !checkpointDue };
  }

  return {
    read,
    ...createLockedDeletes({ component, paths, durable, index, read }),

    /** Publishes the summary a lease kept back (CommitCache.unpublished), if the lock is still ours. */
    settle(cache: CommitCache, held: HeldLock): void {
      if (!cache.unpublished) return;
      cache.unpublished = false;
      if (!held.stillHeld()) return;
      try {
        index.publish(toSummary(cache.loaded.session));
      } catch {}
    },

    /**
     * Reads the session, calls `plan`, appends its line. Seed records are migrated first. Within a
     * lease the state the last commit wrote is reused: the lock was held since, and the log's size
     * after our write proves that nobody else appended (else it is read again).
     */
    commit(id: string, plan: (current: Session) => CommitPlan, lease: Lease<CommitCache>): Session {
      const cached = lease.cache;
      lease.cache = undefined;
      let fd = cached?.fd ?? openLog(id);
      try {
        let loaded = cached?.loaded ?? read(id, fd);
        if (!loaded) throw errors.notFound(component, id);
        if (loaded.legacyHistory) {
          loaded = migrateSeedRecord(id, loaded);
          if (fd !== undefined) closeSync(fd);
          fd = openLog(id);
        }
        if (fd === undefined) throw errors.corrupt(component, id, "log.jsonl is missing");
        const intentOpen = cached?.unpublished === true;
        const { next, after, deferred } = appendCommit(id, loaded, plan, lease.held, fd, intentOpen);
        if (after) lease.cache = { fd, loaded: after, unpublished: true };
        else closeSync(fd);
        if (deferred) lease.flush = { path: paths.log(id), ...(after ? { fd } : {}) };
        return next;
      } catch (error) {
        if (fd !== undefined) closeSync(fd);
        throw error;
      }
    },

    /**
     * Writes a new session (or replaces one with `overwrite`, after `check` accepted the state it
     * replaces, read under the lock) as one directory rename.
     */
    insert(
      session: Session,
      events: SessionEvent[],
      overwrite: boolean,
      held: HeldLock,
      check?: CheckDelete,
    ): void {
      const id = session.id;
      assertNotLinked(paths, id, component);
      if (!overwrite && sessionExists(paths, id)) throw errors.exists(component, id);
      if (overwrite) checkReplaced(() => read(id)?.session ?? null, check);
      const stage = paths.staging(id, token());
      mkdirSync(stage);
      let trash: string | undefined;
      try {
        const base = Buffer.from(`${JSON.stringify({ v: session.version, ev: events })}\n`, "utf8");
        writeNewFile(join(stage, "log.jsonl"), base, durable);
        writeNewFile(join(stage, "session.json"), checkpointBuffer(session, base.length), durable);
        if (durable) fsyncDir(stage);
        held.assertHeld();
        index.intent(id);
        try {
          renameSync(stage, paths.sessionDir(id));
        } catch (error) {
          const code = errnoCode(error);
          if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
          // The id's directory holds a session being replaced, or debris without a session.json.
          trash = paths.trash(id, token());
          renameSync(paths.sessionDir(id), trash);
          renameSync(stage, paths.sessionDir(id));
        }
        if (durable) fsyncDir(paths.root);
      } catch (error) {
        removeQuietly(stage);
        if (trash) {
          try {
            renameSync(trash, paths.sessionDir(id));
            trash = undefined;
          } catch {}
        }
        throw error;
      }
      // After the commit point (the rename): a failed summary leaves the intent, read directly.
      try {
        index.publish(toSummary(session), true);
      } catch {}
      if (trash) removeQuietly(trash);
    },
  };
}
