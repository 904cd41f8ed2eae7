import { importPeer } from "../peer.js";
import {
  checkRow,
  compareSchemas,
  type EventSpan,
  planSql,
  quarantineRow,
  type RowColumns,
  rewriteRow,
} from "./sql-rows.js";
import type { Finding, Inspector, InspectTarget, RepairStep } from "./types.js";

type Pool = import("pg").Pool;

/** Inspects a store-postgres schema: rows against records, events, and the catalog against what the migrations create. */
export async function createPostgresInspector(
  target: InspectTarget & { connectionString: string; schema: string },
): Promise<Inspector> {
  const { default: pg } = await importPeer<{ default: typeof import("pg") }>(
    "pg",
    "verify on a postgres:// store",
  );
  const { MIGRATIONS } = await importPeer<typeof import("@sessionkit/store-postgres")>(
    "@sessionkit/store-postgres",
    "verify on a postgres:// store",
  );
  const pool: Pool = new pg.Pool({ connectionString: target.connectionString, max: 2 });
  const s = `"${target.schema}"`;
  const quarantine = target.quarantineDir ?? `sessionkit-quarantine-${target.schema}`;

  /** Columns and indexes of `schema`, with the schema's own name taken out so two schemas compare. */
  async function catalog(client: import("pg").PoolClient, schema: string): Promise<Map<string, string>> {
    const strip = (text: string | null) =>
      (text ?? "").split(`"${schema}".`).join("").split(`${schema}.`).join("");
    const columns = await client.query(
      "SELECT table_name, column_name, data_type, is_nullable, column_default, collation_name FROM information_schema.columns WHERE table_schema = $1",
      [schema],
    );
    const indexes = await client.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1", [
      schema,
    ]);
    const out = new Map<string, string>();
    for (const row of columns.rows) {
      out.set(
        `column ${row.table_name}.${row.column_name}`,
        `${row.data_type} ${row.is_nullable} ${strip(row.column_default)} ${row.collation_name ?? ""}`,
      );
    }
    for (const row of indexes.rows) out.set(`index ${row.indexname}`, strip(row.indexdef));
    return out;
  }

  async function schemaDrift(): Promise<Finding[]> {
    const client = await pool.connect();
    const reference = `sk_verify_${process.pid}_${Date.now().toString(36)}`;
    try {
      const have = await catalog(client, target.schema);
      // Built inside a transaction that is rolled back: verify leaves no trace on the server.
      await client.query("BEGIN");
      await client.query(`CREATE SCHEMA "${reference}"`);
      await client.query(
        `CREATE TABLE "${reference}".sessionkit_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      for (const migration of MIGRATIONS) await client.query(migration.sql(`"${reference}"`));
      const want = await catalog(client, reference);
      await client.query("ROLLBACK");
      const findings: Finding[] = [];
      findings.push(...compareSchemas(want, have));
      return findings;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async function verify(): Promise<Finding[]> {
    const findings = await schemaDrift();
    if (
      findings.some(
        (finding) => finding.where === "column sessions.record" || finding.where === "column events.seq",
      )
    )
      return findings;
    const spans = new Map<string, EventSpan>();
    const agg = await pool.query(
      `SELECT session_id AS id, count(*)::int AS count, min(seq) AS min, max(seq) AS max FROM ${s}.events GROUP BY session_id`,
    );
    for (const row of agg.rows as Array<EventSpan & { id: string }>) spans.set(row.id, row);
    const rows = await pool.query(
      `SELECT id, record, status, mode, user_id, channel_id, created_at, updated_at, iterations, event_count, version FROM ${s}.sessions ORDER BY id`,
    );
    for (const row of rows.rows as RowColumns[])
      findings.push(...checkRow(row, spans.get(row.id), `sessions:${row.id}`));
    return findings;
  }

  async function apply(step: RepairStep): Promise<void> {
    const id = step.id;
    if (!id) return;
    const row = (await pool.query(`SELECT * FROM ${s}.sessions WHERE id = $1`, [id])).rows[0] as
      | RowColumns
      | undefined;
    if (!row) return;
    if (step.action === "quarantine") {
      const events = (await pool.query(`SELECT * FROM ${s}.events WHERE session_id = $1 ORDER BY seq`, [id]))
        .rows;
      await quarantineRow(target.store, quarantine, id, {
        store: "postgres",
        schema: target.schema,
        row,
        events,
      });
    } else if (step.action === "rewrite-row") {
      await rewriteRow(target.store, id, row);
    }
  }

  return { verify, plan: (findings) => planSql(findings, quarantine), apply, close: () => pool.end() };
}
