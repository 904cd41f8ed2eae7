#!/usr/bin/env node
// The fallback's cost before building it: raw better-sqlite3, an append's SQL (a guarded UPDATE of
// the session's columns + one event INSERT, one BEGIN IMMEDIATE) alone, with a side-table row per
// operation id (a primary-key lookup + INSERT into session_operations), and with the result JSON
// in that row. CPU µs per append, median of interleaved rounds, WAL, synchronous NORMAL.
// Loaded machine (load 11-14), 2026-12-04: plain 59.1, side 78.1 (+32 %), side + result 83.7 (+42 %)
// of the raw SQL; against the store's whole append (~170 µs CPU through manager.sync() under the
// same load) that is +11-15 %, before pruning old rows and the request digest.
//   node bench/profile/opid-side-table.mjs [ops=300] [rounds=12]
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const require = createRequire(import.meta.url);
const Database = require("better-sqlite3");
const ops = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 12);
const file = path.join(os.tmpdir(), `opid-side-${process.pid}.db`);
const db = new Database(file);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, version INT, event_count INT, updated_at TEXT, record TEXT);
CREATE TABLE events (session_id TEXT, seq INT, timestamp TEXT, type TEXT, data TEXT, PRIMARY KEY (session_id, seq)) WITHOUT ROWID;
CREATE TABLE session_operations (session_id TEXT, operation_id TEXT, digest TEXT, version INT, result TEXT,
  PRIMARY KEY (session_id, operation_id)) WITHOUT ROWID;`);
const update = db.prepare(
  "UPDATE sessions SET version = ?, event_count = ?, updated_at = ? WHERE id = ? AND version = ?",
);
const insertEvent = db.prepare("INSERT INTO events VALUES (?, ?, ?, ?, ?)");
const lookup = db.prepare(
  "SELECT digest, version, result FROM session_operations WHERE session_id = ? AND operation_id = ?",
);
const insertOperation = db.prepare("INSERT INTO session_operations VALUES (?, ?, ?, ?, ?)");
const snapshot = JSON.stringify({
  id: "s",
  mode: "bench",
  task: "append",
  status: "active",
  createdAt: new Date().toISOString(),
  iterations: 0,
  maxIterations: 100,
  context: {},
  version: 1,
  eventCount: 1,
});
const cpu = { plain: [], side: [], sideResult: [] };
let n = 0;
for (let r = 0; r <= rounds; r++) {
  for (const key of Object.keys(cpu)) {
    const id = `s${r}-${key}`;
    db.prepare("INSERT INTO sessions VALUES (?, 1, 0, ?, ?)").run(id, new Date().toISOString(), snapshot);
    const t0 = process.cpuUsage();
    for (let i = 0; i < ops; i++) {
      db.transaction(() => {
        const at = new Date().toISOString();
        if (key !== "plain") {
          const operationId = `op-${n++}`;
          lookup.get(id, operationId);
          insertOperation.run(
            id,
            operationId,
            "0123456789abcdef0123456789abcdef",
            i + 2,
            key === "sideResult" ? snapshot : null,
          );
        }
        update.run(i + 2, i + 1, at, id, i + 1);
        insertEvent.run(id, i + 1, at, "step", JSON.stringify({ i }));
      }).immediate();
    }
    const used = process.cpuUsage(t0);
    if (r > 0) cpu[key].push((used.user + used.system) / ops);
  }
}
db.close();
for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(file + suffix, { force: true });
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(
  JSON.stringify(Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Number(median(v).toFixed(1))]))),
);
