#!/usr/bin/env node
// Where a SQLite append's cost goes, in figures that do not depend on the machine's load: WAL frames
// written per append (checkpoints off, so every page written stays in the WAL) and CPU µs per append
// (process.cpuUsage, interleaved rounds), for our store's events-only append and for the bare
// prepared INSERT of bench/lib/primitives.mjs, at history 1,000 over 10 sessions.
//   node bench/profile/sqlite-pages.mjs [--ops N] [--drop NAME,NAME]
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { eventData, makeSession, sessionId } from "../lib/data.mjs";
import { BARE_INSERT, BARE_TABLE } from "../lib/primitives.mjs";

const require = createRequire(import.meta.url);
const Database = require("better-sqlite3");
const { createSqliteStore } = await import("@sessionkit/store-sqlite");
const ops = Number(process.argv[process.argv.indexOf("--ops") + 1] || 2000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skpages-"));
const K = 10;
const HISTORY = 1000;

function walFrames(file, pageSize) {
  const size = fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0;
  return size <= 32 ? 0 : (size - 32) / (pageSize + 24);
}

function timed(fn) {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / ops;
}

// Our store, on a database we hand in (the store keeps our wal_autocheckpoint = 0).
const storeFile = path.join(dir, "store.db");
const db = new Database(storeFile);
const store = createSqliteStore({ database: db });
const sync = store.sync();
// --drop NAME[,NAME]: drop indexes or triggers of ours first, to see what each costs (analysis only:
// list and stats then scan, and the watch log misses what a dropped trigger wrote).
const drop = process.argv.indexOf("--drop");
for (const name of drop === -1 ? [] : process.argv[drop + 1].split(",")) {
  const kind = db.prepare("SELECT type FROM sqlite_schema WHERE name = ?").pluck().get(name);
  if (kind !== "index" && kind !== "trigger") throw new Error(`--drop: no index or trigger named ${name}`);
  db.exec(`DROP ${kind.toUpperCase()} ${name}`);
}
const ids = [];
for (let i = 0; i < K; i++) {
  const { session, events } = makeSession(sessionId("p", i), i, HISTORY);
  sync.importSession(session, events);
  ids.push(session.id);
}
const data = Array.from({ length: ops }, (_, i) => eventData(i));
const ours = () => {
  for (let i = 0; i < ops; i++) sync.commit(ids[i % K], { events: [{ type: "tool_call", data: data[i] }] });
};
// The bare INSERT: the same table and statement as createBareSqlite in bench/lib/primitives.mjs, on a
// connection of our own so its autocheckpoint can be turned off for the frame count.
const bareFile = path.join(dir, "bare.db");
const bareDb = new Database(bareFile);
bareDb.pragma("journal_mode = WAL");
bareDb.pragma("synchronous = NORMAL");
bareDb.exec(BARE_TABLE);
const insert = bareDb.prepare(BARE_INSERT);
const seqs = new Array(K).fill(HISTORY);
bareDb.transaction(() => {
  for (let j = 0; j < K; j++)
    for (let s = 1; s <= HISTORY; s++)
      insert.run(`s${j}`, s, new Date().toISOString(), "tool_call", JSON.stringify(eventData(s)));
})();
const raw = () => {
  for (let i = 0; i < ops; i++) {
    const j = i % K;
    insert.run(`s${j}`, ++seqs[j], new Date().toISOString(), "tool_call", JSON.stringify(data[i]));
  }
};

// CPU per append, 3 interleaved rounds (autocheckpoint on, as in the bench).
const cpu = { ours: [], bare: [] };
for (let r = 0; r < 3; r++) {
  cpu.ours.push(timed(ours));
  cpu.bare.push(timed(raw));
}
// WAL frames per append: checkpoint, turn autocheckpoint off, append, count.
function frames(conn, file, run) {
  conn.pragma("wal_checkpoint(TRUNCATE)");
  conn.pragma("wal_autocheckpoint = 0");
  run();
  return walFrames(file, conn.pragma("page_size", { simple: true })) / ops;
}
const oursFrames = frames(db, storeFile, ours);
const bareFrames = frames(bareDb, bareFile, raw);
const min = (xs) => Math.min(...xs);
console.log(
  `sqlite append vs bare INSERT at history ${HISTORY}, ${ops} appends per round (load ${os.loadavg()[0].toFixed(1)}):`,
);
console.log(
  `  CPU µs per append (best of 3): ours ${min(cpu.ours).toFixed(1)}, bare ${min(cpu.bare).toFixed(1)}, ratio ${(min(cpu.ours) / min(cpu.bare)).toFixed(2)}×`,
);
console.log(`  WAL frames per append: ours ${oursFrames.toFixed(2)}, bare ${bareFrames.toFixed(2)}`);
const tables = db
  .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'sessions' ORDER BY name")
  .all()
  .map((r) => r.name);
console.log(`  sessions indexes (${tables.length}): ${tables.join(", ")}`);
await store.close();
db.close();
bareDb.close();
fs.rmSync(dir, { recursive: true, force: true });
