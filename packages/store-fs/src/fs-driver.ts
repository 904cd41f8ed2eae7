import { closeSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  addToAggregate,
  type CheckDelete,
  type CommitPlan,
  compareForList,
  emptyAggregate,
  errors,
  isAfterPosition,
  isSessionKitError,
  type ListPosition,
  matchesFilter,
  type ParsedFilter,
  type Session,
  type SessionEvent,
  type SessionSummary,
  type StatsAggregate,
  type StoreCapabilities,
  type StoreDriver,
  toSummary,
} from "@sessionkit/core/driver";
import { errnoCode, fsyncDir, removeQuietly, writeAll, writeFileAtomic, writeNewFile } from "./fsio.js";
import { createIndex } from "./index-journal.js";
import { createLockManager, type HeldLock } from "./lock.js";
import type { ResolvedFsStoreOptions } from "./options.js";
import { storePaths, token } from "./paths.js";
import {
  checkpointBuffer,
  diffLine,
  type LoadedSession,
  loadSession,
  readLastLoggedEvents,
  readLoggedEvents,
} from "./session-files.js";

const NAME = "store-fs";
/** Rewrite session.json once the log tail after it exceeds this many bytes. */
const CHECKPOINT_BYTES = 256 * 1024;

/** Runs `fn` while holding the session's lock; the sync face blocks, the async face awaits. */
type WithLock = <T>(id: string, fn: (held: HeldLock) => T) => T | Promise<T>;

/**
 * The filesystem store's operations, all synchronous inside their critical section. Two
 * drivers share them: one whose lock waits block (the sync face) and one whose lock waits
 * await a timer behind an in-process queue per session (the async face).
 */
export function createFsCore(options: ResolvedFsStoreOptions) {
  const paths = storePaths(options.dir);
  const durable = options.durability === "fsync";
  mkdirSync(paths.root, { recursive: true });
  const locks = createLockManager({
    component: NAME,
    staleMs: options.lockStaleMs,
    timeoutMs: options.lockTimeoutMs,
  });
  const load = (id: string) => loadSession(paths, id, NAME);
  const index = createIndex({ paths, durable, locks, load });
  const capabilities: StoreCapabilities = {
    persistent: true,
    multiHandle: true,
    multiProcess: true,
    crashSafe: true,
    sync: true,
    maxPayloadBytes: options.maxPayloadBytes,
  };

  /** Reads a session; a damaged one is also flagged in the index so every listing reports it. */
  function read(id: string, logFd?: number): LoadedSession | null {
    try {
      return loadSession(paths, id, NAME, logFd);
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

  function writeCheckpoint(id: string, session: Session, logEnd: number): void {
    writeFileAtomic(paths.record(id), checkpointBuffer(session, logEnd), durable);
  }

  /** Moves a seed record's history into log.jsonl, then replaces session.json atomically. */
  function migrate(id: string, loaded: LoadedSession): LoadedSession {
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
      return openSync(paths.log(id), "r+");
    } catch (error) {
      const code = errnoCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw error;
    }
  }

  function commitLocked(id: string, plan: (current: Session) => CommitPlan, held: HeldLock): Session {
    let fd = openLog(id);
    try {
      let loaded = read(id, fd);
      if (!loaded) throw errors.notFound(NAME, id);
      if (loaded.legacyHistory) {
        loaded = migrate(id, loaded);
        if (fd !== undefined) closeSync(fd);
        fd = openLog(id);
      }
      if (fd === undefined) throw errors.corrupt(NAME, id, "log.jsonl is missing");
      return commitLoaded(id, loaded, plan, held, fd);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  function commitLoaded(
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
      loaded.tailCommits + 1 >= options.checkpointEvery ||
      loaded.tailBytes + line.length > CHECKPOINT_BYTES ||
      next.status !== loaded.checkpointStatus
    ) {
      // The commit is already durable in the log; a failed checkpoint is retried by the next commit.
      try {
        writeCheckpoint(id, next, logEnd);
      } catch {}
    }
    deferred = index.publish(toSummary(next));
    return next;
  }

  let deferred = 0;
  /** Compaction never runs inside a session's critical section. */
  function afterWrite(): void {
    const size = deferred;
    deferred = 0;
    if (size > 0) {
      try {
        index.maybeCompact(size);
      } catch {}
    }
  }

  function insertLocked(session: Session, events: SessionEvent[], overwrite: boolean, held: HeldLock): void {
    const id = session.id;
    let exists = false;
    try {
      statSync(paths.record(id));
      exists = true;
    } catch (error) {
      const code = errnoCode(error);
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    }
    if (exists && !overwrite) throw errors.exists(NAME, id);
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
    deferred = index.publish(toSummary(session));
    if (trash) removeQuietly(trash);
  }

  function deleteLocked(id: string, check: CheckDelete | undefined, held: HeldLock): boolean {
    if (check) {
      const loaded = read(id);
      if (!loaded) return false;
      check(loaded.session);
    } else {
      try {
        statSync(paths.record(id));
      } catch (error) {
        const code = errnoCode(error);
        if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
        return false;
      }
    }
    held.assertHeld();
    const trash = paths.trash(id, token());
    try {
      renameSync(paths.sessionDir(id), trash);
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return false;
      throw error;
    }
    if (durable) fsyncDir(paths.root);
    deferred = index.tombstone(id);
    removeQuietly(trash);
    return true;
  }

  function matching(filter: ParsedFilter): {
    rows: SessionSummary[];
    corrupt: ReturnType<typeof index.view>["corrupt"];
  } {
    const { summaries, corrupt } = index.view();
    const rows = summaries.filter((summary) => matchesFilter(summary, filter));
    return { rows, corrupt };
  }

  /** Builds a driver whose mutations run under `withLock`. */
  function driver(
    withLock: WithLock,
    settle: <T>(value: T | Promise<T>, after: () => void) => T | Promise<T>,
  ): StoreDriver {
    return {
      name: NAME,
      capabilities,
      insert(session, events, { overwrite }) {
        return settle(
          withLock(session.id, (held) => insertLocked(session, events, overwrite, held)),
          afterWrite,
        );
      },
      get(id) {
        return read(id)?.session ?? null;
      },
      commit(id, plan) {
        return settle(
          withLock(id, (held) => commitLocked(id, plan, held)),
          afterWrite,
        );
      },
      readEvents(id, fromSeq, toSeq) {
        const loaded = read(id);
        if (!loaded) throw errors.notFound(NAME, id);
        return readLoggedEvents(paths, id, loaded, fromSeq, toSeq ?? Number.MAX_SAFE_INTEGER, NAME);
      },
      readLastEvents(id, count) {
        const loaded = read(id);
        if (!loaded) throw errors.notFound(NAME, id);
        return readLastLoggedEvents(paths, id, loaded, count, NAME);
      },
      list(filter: ParsedFilter, after: ListPosition | undefined, limit: number) {
        const { rows, corrupt } = matching(filter);
        const page = (after ? rows.filter((row) => isAfterPosition(row, after)) : rows)
          .sort(compareForList)
          .slice(0, limit);
        return { items: page.map((row) => structuredClone(row)), corrupt };
      },
      stats(filter) {
        const aggregate: StatsAggregate = emptyAggregate();
        for (const row of matching(filter).rows) addToAggregate(aggregate, row);
        return aggregate;
      },
      count(filter) {
        return matching(filter).rows.length;
      },
      delete(id, check) {
        return settle(
          withLock(id, (held) => deleteLocked(id, check, held)),
          afterWrite,
        );
      },
      prune(statuses, before, dryRun) {
        const candidates = index
          .view()
          .summaries.filter((row) => statuses.includes(row.status) && row.updatedAt < before)
          .map((row) => row.id)
          .sort();
        if (dryRun) return candidates;
        const removed: string[] = [];
        const pruneOne = (id: string) =>
          withLock(id, (held) => {
            let loaded: LoadedSession | null;
            try {
              loaded = load(id);
            } catch {
              return;
            }
            // Decided again under the lock: a racing commit keeps the session whole.
            if (!loaded || !statuses.includes(loaded.session.status) || !(loaded.session.updatedAt < before))
              return;
            if (deleteLocked(id, undefined, held)) removed.push(id);
          });
        let chain: unknown;
        for (const id of candidates) {
          chain = chain instanceof Promise ? chain.then(() => pruneOne(id)) : pruneOne(id);
        }
        return settle(chain instanceof Promise ? chain.then(() => removed) : removed, afterWrite);
      },
      close() {
        index.close();
      },
    };
  }

  const syncWithLock: WithLock = (id, fn) => {
    const held = locks.acquireSync(paths.sessionDir(id), paths.lock(id), `Session ${JSON.stringify(id)}`);
    try {
      return fn(held);
    } finally {
      held.release();
    }
  };

  const queues = new Map<string, Promise<unknown>>();
  const asyncWithLock: WithLock = (id, fn) => {
    const previous = queues.get(id);
    if (!previous) {
      // Fast path: nobody in this process waits for this session; one attempt, no promise hop.
      const held = locks.tryAcquire(paths.sessionDir(id), paths.lock(id));
      if (held) {
        try {
          return fn(held);
        } finally {
          held.release();
        }
      }
    }
    const run = (async () => {
      if (previous) await previous.catch(() => undefined);
      const held = await locks.acquireAsync(
        paths.sessionDir(id),
        paths.lock(id),
        `Session ${JSON.stringify(id)}`,
      );
      try {
        return fn(held);
      } finally {
        held.release();
      }
    })();
    queues.set(id, run);
    const forget = () => {
      if (queues.get(id) === run) queues.delete(id);
    };
    run.then(forget, forget);
    return run;
  };

  function settleSync<T>(value: T | Promise<T>, after: () => void): T | Promise<T> {
    if (value instanceof Promise) {
      return value.then(
        (result) => {
          after();
          return result;
        },
        (error: unknown) => {
          after();
          throw error;
        },
      );
    }
    after();
    return value;
  }

  return {
    paths,
    index,
    syncDriver: driver(syncWithLock, settleSync),
    asyncDriver: driver(asyncWithLock, settleSync),
    close(): void {
      index.close();
    },
  };
}
