import { closeSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  type CheckDelete,
  type CommitPlan,
  errors,
  isSessionKitError,
  type Session,
  type SessionEvent,
  type SessionStatus,
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
import type { HeldLock } from "./lock.js";
import { diffLine } from "./log-lines.js";
import { type StorePaths, token } from "./paths.js";
import { checkpointBuffer, type LoadedSession, loadSession } from "./session-load.js";

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
      if (
        isSessionKitError(error, "ERR_CORRUPT_RECORD") ||
        isSessionKitError(error, "ERR_UNSUPPORTED_RECORD_VERSION")
      ) {
        try {
          index.intent(id);
        } catch {}
      }
      throw error;
    }
  }

  function exists(id: string): boolean {
    try {
      statSync(paths.record(id));
      return true;
    } catch (error) {
      const code = errnoCode(error);
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
      return false;
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

  const openLog = (id: string) => openIfExists(paths.log(id), "r+");

  /** Appends the plan's line to the log (the commit point), then publishes and maybe checkpoints. */
  function appendCommit(
    id: string,
    loaded: LoadedSession,
    plan: (current: Session) => CommitPlan,
    held: HeldLock,
    fd: number,
  ): Session {
    const current = loaded.session;
    const { next, events } = plan(current);
    const line = Buffer.from(`${JSON.stringify(diffLine(current, next, events))}\n`, "utf8");
    // Bytes past the committed end are a torn line left by a killed writer.
    if (loaded.logSize > loaded.logEnd) ftruncateSync(fd, loaded.logEnd);
    held.assertHeld();
    index.intent(id);
    try {
      writeAll(fd, line, loaded.logEnd);
      if (durable) fdatasyncSync(fd);
    } catch (error) {
      try {
        ftruncateSync(fd, loaded.logEnd);
      } catch {}
      try {
        index.publish(toSummary(current));
      } catch {}
      throw error;
    }
    const logEnd = loaded.logEnd + line.length;
    if (
      loaded.tailCommits + 1 >= checkpointEvery ||
      loaded.tailBytes + line.length > CHECKPOINT_BYTES ||
      next.status !== loaded.checkpointStatus
    ) {
      // The commit is already durable in the log; a failed checkpoint is retried by the next commit.
      try {
        writeCheckpoint(id, next, logEnd);
      } catch {}
    }
    index.publish(toSummary(next));
    return next;
  }

  /** Deletes a session known to be present: its directory is renamed to trash, then removed. */
  function removeDir(id: string, held: HeldLock): boolean {
    held.assertHeld();
    const trash = paths.trash(id, token());
    try {
      renameSync(paths.sessionDir(id), trash);
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return false;
      throw error;
    }
    if (durable) fsyncDir(paths.root);
    index.tombstone(id);
    removeQuietly(trash);
    return true;
  }

  return {
    read,

    /** Reads the session, calls `plan`, appends its line. Seed records are migrated first. */
    commit(id: string, plan: (current: Session) => CommitPlan, held: HeldLock): Session {
      let fd = openLog(id);
      try {
        let loaded = read(id, fd);
        if (!loaded) throw errors.notFound(component, id);
        if (loaded.legacyHistory) {
          loaded = migrateSeedRecord(id, loaded);
          if (fd !== undefined) closeSync(fd);
          fd = openLog(id);
        }
        if (fd === undefined) throw errors.corrupt(component, id, "log.jsonl is missing");
        return appendCommit(id, loaded, plan, held, fd);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },

    /** Writes a new session (or replaces one with `overwrite`) as one directory rename. */
    insert(session: Session, events: SessionEvent[], overwrite: boolean, held: HeldLock): void {
      const id = session.id;
      if (!overwrite && exists(id)) throw errors.exists(component, id);
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
      index.publish(toSummary(session));
      if (trash) removeQuietly(trash);
    },

    /** Deletes the session; with `check`, only if it accepts the state read under the lock. */
    remove(id: string, check: CheckDelete | undefined, held: HeldLock): boolean {
      if (check) {
        const loaded = read(id);
        if (!loaded) return false;
        check(loaded.session);
      } else if (!exists(id)) {
        return false;
      }
      return removeDir(id, held);
    },

    /** Deletes the session if, read again under the lock, it still has a status in `statuses` and is older than `before`. */
    pruneIfStillDue(id: string, statuses: SessionStatus[], before: string, held: HeldLock): boolean {
      let loaded: LoadedSession | null;
      try {
        loaded = loadSession(paths, id, component);
      } catch {
        return false;
      }
      // Decided again under the lock: a racing commit keeps the session whole.
      if (!loaded || !statuses.includes(loaded.session.status) || !(loaded.session.updatedAt < before))
        return false;
      return exists(id) && removeDir(id, held);
    },
  };
}
