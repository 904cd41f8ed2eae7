import type { LeaseSwap } from "@sessionkit/core/driver";
import type { QueryableLike } from "./pool.js";

/**
 * store.swapLease on PostgreSQL: one conditional statement on `sessionkit_leases` (an insert that
 * does nothing on conflict, or an update / delete that names the expected text), so the compare
 * and the write are one atomic step on any connection; a lost compare reads the text held now.
 */
export async function swapPgLease(
  db: QueryableLike,
  schema: string,
  name: string,
  expected: string | null,
  next: string | null,
): Promise<LeaseSwap> {
  const table = `${schema}.sessionkit_leases`;
  const change =
    expected === null
      ? next === null
        ? undefined
        : {
            text: `INSERT INTO ${table} (name, holder) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING name`,
            values: [name, next],
          }
      : next === null
        ? {
            text: `DELETE FROM ${table} WHERE name = $1 AND holder = $2 RETURNING name`,
            values: [name, expected],
          }
        : {
            text: `UPDATE ${table} SET holder = $3 WHERE name = $1 AND holder = $2 RETURNING name`,
            values: [name, expected, next],
          };
  if (change !== undefined && (await db.query(change.text, change.values)).rows.length > 0) {
    return { swapped: true, current: next };
  }
  const { rows } = await db.query<{ holder: string }>(`SELECT holder FROM ${table} WHERE name = $1`, [name]);
  const current = rows[0]?.holder ?? null;
  // Asked to keep an absent lease absent: that succeeds exactly when it is absent.
  return { swapped: change === undefined && current === null, current };
}
