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

type Database = import("better-sqlite3").Database;

/** Inspects a store-sqlite database read-only: rows against records, events, metadata index, schema against the migrations. */
export async function createSqliteInspector(
  target: InspectTarget & { filename: string },
): Promise<Inspector> {
  const { default: Sqlite } = await importPeer<{ default: typeof import("better-sqlite3") }>(
    "better-sqlite3",
    "verify on a sqlite: store",
  );
  const { migrate } = await importPeer<typeof import("@sessionkit/store-sqlite")>(
    "@sessionkit/store-sqlite",
    "verify on a sqlite: store",
  );
  const quarantine = target.quarantineDir ?? `${target.filename}.quarantine`;
  const open = (): Database => {
    // Read-only: verify never writes and never takes the write lock.
    const db = new Sqlite(target.filename, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 5000");
    return db;
  };

  function schemaOf(db: Database): Map<string, string> {
    const rows = db
      .prepare(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as Array<{ type: string; name: string; sql: string }>;
    return new Map(rows.map((row) => [`${row.type} ${row.name}`, row.sql.replace(/\s+/g, " ").trim()]));
  }

  async function verify(deep: boolean): Promise<Finding[]> {
    const db = open();
    try {
      const findings: Finding[] = [];
      const check = db.pragma(deep ? "integrity_check" : "quick_check") as Array<Record<string, string>>;
      const problems = check.map((row) => Object.values(row)[0]).filter((value) => value !== "ok");
      for (const problem of problems)
        findings.push({
          kind: "corrupt-record",
          id: null,
          where: target.filename,
          detail: `SQLite ${deep ? "integrity" : "quick"} check: ${problem}`,
        });
      // The schema the migrations build, in a private in-memory database, against the file's.
      const reference = new Sqlite(":memory:");
      migrate(reference);
      const want = schemaOf(reference);
      reference.close();
      const have = schemaOf(db);
      findings.push(...compareSchemas(want, have));
      if (!have.has("table sessions") || !have.has("table events")) return findings;
      const spans = new Map<string, EventSpan>();
      for (const row of db
        .prepare(
          "SELECT session_id AS id, COUNT(*) AS count, MIN(seq) AS min, MAX(seq) AS max FROM events GROUP BY session_id",
        )
        .iterate() as Iterable<EventSpan & { id: string }>) {
        spans.set(row.id, row);
      }
      const known = new Set<string>();
      for (const row of db.prepare("SELECT * FROM sessions ORDER BY id").iterate() as Iterable<RowColumns>) {
        known.add(row.id);
        findings.push(...checkRow(row, spans.get(row.id), `sessions:${row.id}`));
      }
      for (const id of spans.keys()) {
        if (!known.has(id))
          findings.push({
            kind: "row-drift",
            id,
            where: `events:${id}`,
            detail: "event rows of a session that does not exist",
          });
      }
      if (have.has("table session_metadata")) {
        const orphans = db
          .prepare(
            "SELECT DISTINCT session_id AS id FROM session_metadata WHERE session_id NOT IN (SELECT id FROM sessions)",
          )
          .all() as Array<{ id: string }>;
        for (const { id } of orphans)
          findings.push({
            kind: "row-drift",
            id,
            where: `session_metadata:${id}`,
            detail: "metadata index rows of a session that does not exist",
          });
      }
      return findings;
    } finally {
      db.close();
    }
  }

  async function apply(step: RepairStep): Promise<void> {
    const id = step.id;
    if (!id) return;
    const db = open();
    let row: RowColumns | undefined;
    let events: unknown[];
    try {
      row = db.prepare("SELECT * FROM sessions WHERE id = ?").get(id) as RowColumns | undefined;
      events = db.prepare("SELECT * FROM events WHERE session_id = ? ORDER BY seq").all(id);
    } finally {
      db.close();
    }
    if (step.action === "quarantine") {
      await quarantineRow(target.store, quarantine, id, { store: "sqlite", row, events });
    } else if (step.action === "rewrite-row") {
      if (row) await rewriteRow(target.store, id, row);
      else await removeOrphans(id);
    }
  }

  /** Rows of a session that does not exist (no record to keep): removed in one transaction. */
  async function removeOrphans(id: string): Promise<void> {
    const db = new Sqlite(target.filename, { fileMustExist: true });
    try {
      db.pragma("busy_timeout = 5000");
      db.transaction(() => {
        if (db.prepare("SELECT 1 FROM sessions WHERE id = ?").get(id)) return;
        db.prepare("DELETE FROM events WHERE session_id = ?").run(id);
        db.prepare("DELETE FROM session_metadata WHERE session_id = ?").run(id);
      }).immediate();
    } finally {
      db.close();
    }
  }

  return { verify, plan: (findings) => planSql(findings, quarantine), apply, close: async () => undefined };
}
