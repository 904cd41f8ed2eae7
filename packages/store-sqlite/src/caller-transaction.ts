import type { CommitResult } from "@sessionkit/core";
import type { SqliteDatabase } from "./database.js";

/** Attaches `settled` to commits made inside a transaction the caller owns. */
export interface CallerTransactions {
  /** `result` with `settled`, for a commit made inside the caller's transaction. */
  track(result: CommitResult): CommitResult;
  /** Settles at once what can be settled (the store is closing); the rest as their transaction ends. */
  close(): void;
}

interface Pending {
  result: CommitResult;
  resolve: (kept: boolean) => void;
}

const FIRST_POLL_MS = 1;
const MAX_POLL_MS = 20;

/**
 * better-sqlite3 has no commit hook, so the outcome of the caller's transaction is found by
 * polling `inTransaction` (a property read, no I/O) and then checking that the commit's rows
 * survived. The check compares the last event's seq, type, timestamp and data, so a rolled-back
 * event and a different one committed later at the same seq are told apart.
 */
export function createCallerTransactions(db: SqliteDatabase): CallerTransactions {
  const pending: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let delay = FIRST_POLL_MS;
  let lastEvent: ReturnType<SqliteDatabase["prepare"]> | undefined;
  let session: ReturnType<SqliteDatabase["prepare"]> | undefined;

  function survived({ session: committed, events }: CommitResult): boolean {
    const last = events[events.length - 1];
    if (last === undefined) {
      session ??= db.prepare("SELECT 1 FROM sessions WHERE id = ? AND updated_at = ? AND event_count = ?");
      return session.get(committed.id, committed.updatedAt, committed.eventCount) !== undefined;
    }
    lastEvent ??= db.prepare(
      "SELECT 1 FROM events WHERE session_id = ? AND seq = ? AND type = ? AND timestamp = ? AND data = ?",
    );
    return (
      lastEvent.get(committed.id, last.seq, last.type, last.timestamp, JSON.stringify(last.data)) !==
      undefined
    );
  }

  function settleAll(): void {
    for (const entry of pending.splice(0)) {
      let kept = false;
      try {
        kept = db.open && survived(entry.result);
      } catch {
        // Unreadable now (closed, busy): it cannot be confirmed, so nobody is told of it.
      }
      entry.resolve(kept);
    }
  }

  function poll(): void {
    timer = undefined;
    if (pending.length === 0) return;
    if (db.open && db.inTransaction) {
      delay = Math.min(delay * 2, MAX_POLL_MS);
      schedule();
      return;
    }
    settleAll();
  }

  function schedule(): void {
    if (timer !== undefined) return;
    timer = setTimeout(poll, delay);
    timer.unref();
  }

  return {
    track(result) {
      const settled = new Promise<boolean>((resolve) => pending.push({ result, resolve }));
      delay = FIRST_POLL_MS;
      schedule();
      return { ...result, settled };
    },
    close() {
      // A database the caller owns outlives the store, and so may the caller's transaction:
      // keep polling for it. One the store owns is closed next, which rolls it back (false).
      if (!db.open || !db.inTransaction) settleAll();
    },
  };
}
