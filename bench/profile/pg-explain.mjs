#!/usr/bin/env node
// The server's side of one append, from EXPLAIN (ANALYZE, WAL): execution time, the triggers' shares of it
// (the change log's, and the events table's foreign-key check: an RI trigger per event row), and the WAL records and bytes the statement itself writes (not the commit record; unlike
// pg_current_wal_lsn, not shared with other clients of the server). Statements as the store sends them
// (an events-only append: the session row's columns, one event row) beside the bare INSERT of
// bench/lib/primitives.mjs, at history 1,000; median over the runs.
//   node bench/profile/pg-explain.mjs [--runs N] [--drop INDEX,INDEX] [--fillfactor F]
// --drop / --fillfactor (analysis only): drop indexes of the sessions table first, or leave room in its pages
// (an UPDATE that changes no indexed column and fits in its page is HOT: no index entries at all).
import { createRequire } from "node:module";
import os from "node:os";
import process from "node:process";
import { PG_URL } from "../lib/adapters.mjs";
import { eventData, makeSession, sessionId } from "../lib/data.mjs";

const require = createRequire(import.meta.url);
const pg = require("pg");
const { createPostgresStore } = await import("@sessionkit/store-postgres");
const i = process.argv.indexOf("--runs");
const RUNS = i === -1 ? 300 : Number(process.argv[i + 1]);
const schema = `skexplain_${process.pid}`;
const s = `"${schema}"`;

const store = createPostgresStore({ connectionString: PG_URL }, { schema });
const { session, events } = makeSession(sessionId("x", 0), 0, 1000, { status: "active" });
await store.importSession(session, events);
await store.close();
const db = new pg.Client({ connectionString: PG_URL });
await db.connect();
await db.query(`CREATE TABLE ${s}.bare (session_id TEXT NOT NULL, seq INTEGER NOT NULL, timestamp TIMESTAMPTZ NOT NULL,
  type TEXT NOT NULL, data JSONB NOT NULL, PRIMARY KEY (session_id, seq))`);
const arg = (name) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
for (const name of arg("--drop")?.split(",") ?? []) await db.query(`DROP INDEX ${s}."${name}"`);
if (arg("--fillfactor")) {
  await db.query(`ALTER TABLE ${s}.sessions SET (fillfactor = ${Number(arg("--fillfactor"))})`);
  await db.query(`VACUUM FULL ${s}.sessions`);
}
const { rows } = await db.query(`SELECT * FROM ${s}.sessions WHERE id = $1`, [session.id]);
const row = rows[0];

// The append's statement (sql.ts appendOne) with the values an events-only append sends.
const append = `WITH upd AS (UPDATE ${s}.sessions SET version = $2, event_count = $3, status = $4, mode = $5,
    user_id = $6, channel_id = $7, created_at = $8, updated_at = $9, iterations = $10, metadata_index = $11::jsonb,
    record = $12, awaiting = $13, inbox_expires = $14 WHERE id = $1 AND version = $15 AND md5(record) = md5(record)
    RETURNING md5(record) AS digest),
  ins AS (INSERT INTO ${s}.events (session_id, seq, body) SELECT $1, $16::int, $17::text WHERE EXISTS (SELECT 1 FROM upd))
  SELECT (SELECT digest FROM upd) AS digest`;
const bare = `INSERT INTO ${s}.bare (session_id, seq, timestamp, type, data) VALUES ($1, $2, $3, $4, $5)`;

function median(list) {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function explain(text, values) {
  const { rows: out } = await db.query(`EXPLAIN (ANALYZE, WAL, FORMAT JSON) ${text}`, values);
  const plan = out[0]["QUERY PLAN"][0];
  const time = (match) =>
    (plan.Triggers ?? []).filter((t) => match(t["Trigger Name"])).reduce((a, t) => a + t.Time, 0) * 1e3;
  return {
    exec: plan["Execution Time"] * 1e3,
    changeLog: time((name) => name === "sessionkit_changes"),
    foreignKey: time((name) => name.startsWith("RI_ConstraintTrigger")),
    records: plan.Plan["WAL Records"],
    bytes: plan.Plan["WAL Bytes"],
    fpi: plan.Plan["WAL FPI"],
  };
}

const ours = [];
const raw = [];
let version = row.version;
let count = row.event_count;
for (let r = 0; r < RUNS; r++) {
  const at = new Date().toISOString();
  const event = { seq: count + 1, timestamp: at, type: "tool_call", data: eventData(r) };
  ours.push(
    await explain(append, [
      row.id,
      version + 1,
      count + 1,
      row.status,
      row.mode,
      row.user_id,
      row.channel_id,
      row.created_at,
      at,
      row.iterations,
      JSON.stringify(row.metadata_index),
      row.record.replace(/"version":\d+/, `"version":${version + 1}`),
      row.awaiting,
      row.inbox_expires,
      version,
      count + 1,
      JSON.stringify(event),
    ]),
  );
  version += 1;
  count += 1;
  raw.push(await explain(bare, [row.id, r + 1, at, "tool_call", JSON.stringify(eventData(r))]));
}
const show = (name, list) => {
  const m = (key) => median(list.map((x) => x[key]));
  return `| ${name} | ${m("exec").toFixed(0)} | ${m("changeLog").toFixed(0)} | ${m("foreignKey").toFixed(0)} | ${m("records")} | ${m("bytes")} | ${m("fpi")} |`;
};
const { rows: hot } = await db.query(
  "SELECT n_tup_upd AS u, n_tup_hot_upd AS h FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'sessions'",
  [schema],
);
const variant = [
  arg("--drop") && `--drop ${arg("--drop")}`,
  arg("--fillfactor") && `--fillfactor ${arg("--fillfactor")}`,
]
  .filter(Boolean)
  .join(" ");
console.log(
  `pg-explain (${variant || "as shipped"}): ${RUNS} runs each, medians; HOT updates ${hot[0]?.h}/${hot[0]?.u} (statistics lag); load ${os.loadavg()[0].toFixed(1)}`,
);
console.log(
  "| statement | execution µs | of it, change-log trigger µs | of it, events FK check µs | WAL records (statement, triggers' not counted) | WAL bytes | full-page images |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|");
console.log(show("bare INSERT", raw));
console.log(show("our append (appendOne)", ours));
await db.query(`DROP SCHEMA ${s} CASCADE`);
await db.end();
