import { type ChangeFeed, type ChangeLogRow, cursorExpired, decodeChange } from "@sessionkit/core/driver";
import type { SqliteDatabase } from "./database.js";

/**
 * How often the wake-up reads `PRAGMA data_version` while someone watches. The pragma is an
 * autocommit read of one counter (a few µs, no transaction left open), so 10 ms costs nothing
 * measurable and keeps commit-to-delivery latency across processes near 5 ms on average.
 */
const DATA_VERSION_POLL_MS = 10;

/** A row of session_changes: SQLite returns `pos` as a number. */
type ChangeRow = ChangeLogRow & { pos: number };

/**
 * The SQLite change log (table session_changes, kept by triggers): reads by pos, and a wake-up
 * that polls `PRAGMA data_version`, which changes whenever another connection commits (this
 * handle's own commits wake the watchers through the wrapper). Inside a transaction the caller
 * holds open on the same connection, nothing is read: it could still roll back.
 */
export function createSqliteChangeFeed(db: SqliteDatabase, name: string, maxLength?: number): ChangeFeed {
  const read = db.prepare(
    "SELECT pos, session_id, kind, version, from_seq, to_seq, facts FROM session_changes WHERE pos > ? ORDER BY pos LIMIT ?",
  );
  // Rows below the watermark are facts kept for later appends (change-retention.ts), not changes to deliver.
  const trimmedTo = db.prepare("SELECT pos FROM session_changes_trimmed WHERE id = 1");
  const oldestAfter = db.prepare("SELECT min(pos) AS pos FROM session_changes WHERE pos > ?");
  const head = db.prepare("SELECT coalesce(max(pos), 0) AS pos FROM session_changes");
  // A commit that left the facts as they were stored none (migration 6): they are the session's
  // latest earlier facts, found through the partial index of the rows that have them.
  const earlierFacts = db.prepare(
    "SELECT facts FROM session_changes WHERE session_id = ? AND pos < ? AND facts IS NOT NULL ORDER BY pos DESC LIMIT 1",
  );
  // Inside the caller's transaction this connection sees its own uncommitted changes, whose pos
  // a rollback gives back: answer the head last read outside one instead.
  let committedHead = 0;

  /** The facts of a commit that did not change them (`known`: the latest facts per session in this page). */
  function unchangedFacts(row: ChangeRow, known: Map<string, string | null>): string | null {
    let facts = known.get(row.session_id);
    if (facts === undefined) {
      const found = earlierFacts.get(row.session_id, row.pos) as { facts: string } | undefined;
      facts = found ? found.facts : null;
      known.set(row.session_id, facts);
    }
    if (facts === null) return null;
    // Unchanged: the state before is the state after.
    const { a } = JSON.parse(facts) as { a?: unknown };
    return a === undefined ? null : JSON.stringify({ a, b: a });
  }
  function page(after: number, limit: number) {
    const trimmed = (trimmedTo.get() as { pos: number }).pos;
    // "start" (after 0) reads what is kept; a cursor inside what was trimmed is refused.
    if (after > 0 && after < trimmed) {
      const oldest = (oldestAfter.get(trimmed) as { pos: number | null }).pos ?? undefined;
      throw cursorExpired(name, after, oldest, maxLength ?? 0);
    }
    const known = new Map<string, string | null>();
    return (read.all(Math.max(after, trimmed), limit) as ChangeRow[]).map((row) => {
      let facts = row.facts;
      if (facts === null && row.kind === "committed") facts = unchangedFacts(row, known);
      else if (facts !== null) known.set(row.session_id, facts);
      return decodeChange({ ...row, facts });
    });
  }

  return {
    read(after, limit) {
      if (!db.open || db.inTransaction) return [];
      // One read transaction: the watermark and the rows are of one instant (a trim commits both).
      db.exec("BEGIN");
      try {
        return page(after, limit);
      } finally {
        db.exec("COMMIT");
      }
    },
    head() {
      if (db.inTransaction) return committedHead;
      committedHead = (head.get() as { pos: number }).pos;
      return committedHead;
    },
    subscribe(wake) {
      let seen: unknown;
      const timer = setInterval(() => {
        if (!db.open) return;
        const version = db.pragma("data_version", { simple: true });
        if (version !== seen) {
          seen = version;
          wake();
        }
      }, DATA_VERSION_POLL_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
