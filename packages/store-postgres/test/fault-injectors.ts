// The faults the conformance harness injects into a store-postgres schema, in one module so that the
// suite (conformance.test.ts) and `sessionkit verify`'s tests (packages/cli) inject the same ones.
import type { CorruptionKind } from "@sessionkit/conformance";
import pg from "pg";

const DAMAGE: Record<CorruptionKind, (record: string) => string> = {
  truncate: (record) => record.slice(0, Math.floor(record.length / 2)),
  // PostgreSQL text cannot hold NUL; any other non-JSON will do.
  garbage: () => "\u00ff not json at all {{{",
  "wrong-type": (record) => JSON.stringify({ ...JSON.parse(record), iterations: "many", status: 42 }),
  "future-version": (record) => JSON.stringify({ ...JSON.parse(record), schemaVersion: 99 }),
};

/** Damages the `record` column of `id` in `schema`, with a one-off client behind the store's back. */
export async function corruptPgRecord(
  connectionString: string,
  schema: string,
  id: string,
  kind: CorruptionKind,
): Promise<void> {
  const client = new pg.Client(connectionString);
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT record FROM "${schema}".sessions WHERE id = $1`, [id]);
    if (!rows[0]) throw new Error(`no row for ${id}`);
    await client.query(`UPDATE "${schema}".sessions SET record = $2 WHERE id = $1`, [
      id,
      DAMAGE[kind](rows[0].record),
    ]);
  } finally {
    await client.end();
  }
}
