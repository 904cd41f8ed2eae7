import { trimSlack } from "@sessionkit/core/driver";
import type { SqliteDatabase } from "./database.js";

/**
 * Retention of the change log (`changeLog: { maxLength }`): every `trimSlack(maxLength)` writes of
 * this handle, one IMMEDIATE transaction deletes the changes older than the newest `maxLength`
 * and raises the watermark (session_changes_trimmed) that reads check cursors against. The
 * newest row always stays (its rowid is the next pos's base, so no pos is reused). A commit that
 * left the facts unchanged stores none (schema 6), so each live session's latest facts row is
 * kept below the cut: the log holds at most maxLength + slack + one row per such session.
 */
export function createChangeRetention(db: SqliteDatabase, maxLength: number) {
  const slack = trimSlack(maxLength);
  const cutAt = db.prepare("SELECT pos FROM session_changes ORDER BY pos DESC LIMIT 1 OFFSET ?");
  const watermark = db.prepare("SELECT pos FROM session_changes_trimmed WHERE id = 1");
  const drop = db.prepare(`
    DELETE FROM session_changes WHERE pos <= ? AND NOT (
      facts IS NOT NULL
      AND EXISTS (SELECT 1 FROM sessions WHERE id = session_changes.session_id)
      AND NOT EXISTS (SELECT 1 FROM session_changes later
        WHERE later.session_id = session_changes.session_id AND later.facts IS NOT NULL AND later.pos > session_changes.pos)
    )`);
  const raise = db.prepare("UPDATE session_changes_trimmed SET pos = ? WHERE id = 1 AND pos < ?");
  let writes = 0;

  function trim(): void {
    const cut = (cutAt.get(maxLength) as { pos: number } | undefined)?.pos;
    if (cut === undefined || cut <= (watermark.get() as { pos: number }).pos) return;
    db.exec("BEGIN IMMEDIATE");
    try {
      drop.run(cut);
      raise.run(cut, cut);
      db.exec("COMMIT");
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }

  return {
    trim,
    /** Counts a write; trims once per slack writes (never inside the caller's open transaction). */
    wrote(): void {
      writes += 1;
      if (writes < slack || db.inTransaction) return;
      writes = 0;
      trim();
    },
  };
}
