import { trimSlack } from "@sessionkit/core/driver";
import { stampChanges } from "./change-stamps.js";
import { quoteSchema } from "./migrations.js";
import type { PoolLike } from "./pool.js";

/**
 * Retention of the change log (`changeLog: { maxLength }`): every `trimSlack(maxLength)` writes of
 * this handle, one statement deletes the changes older than the newest `maxLength` and raises the
 * watermark reads check cursors against (session_changes_trimmed). The newest change always stays.
 * Every row carries its facts here, so nothing older than the cut is kept.
 */
export function createChangeRetention(pool: PoolLike, schema: string, maxLength: number) {
  const s = quoteSchema(schema);
  const slack = trimSlack(maxLength);
  const sql = `
    WITH cut AS (SELECT pos FROM ${s}.session_changes WHERE pos IS NOT NULL ORDER BY pos DESC OFFSET $1 LIMIT 1),
    gone AS (DELETE FROM ${s}.session_changes WHERE pos <= (SELECT pos FROM cut))
    UPDATE ${s}.session_changes_trimmed SET pos = (SELECT pos FROM cut)
    WHERE id = 1 AND pos < (SELECT pos FROM cut)`;
  let writes = 0;

  async function trim(): Promise<void> {
    // Unstamped rows have no position yet: stamp them, so the newest maxLength are counted.
    await stampChanges(pool, s);
    await pool.query(sql, [maxLength]);
  }

  return {
    trim,
    /** Counts a write; once per slack writes that write also trims (a failed trim waits for the next). */
    async wrote(): Promise<void> {
      writes += 1;
      if (writes < slack) return;
      writes = 0;
      await trim().catch(() => undefined);
    },
  };
}
