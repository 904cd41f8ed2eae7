import Database from "better-sqlite3";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const N = 3000, ROUNDS = 25;
const dir = mkdtempSync(join(tmpdir(), "skv-"));
const data = { text: "x".repeat(150), n: 1 };
const bareDb = new Database(join(dir, "bare.db"));
bareDb.pragma("journal_mode = WAL"); bareDb.pragma("synchronous = NORMAL");
bareDb.exec("CREATE TABLE events (session_id TEXT NOT NULL, seq INTEGER NOT NULL, timestamp TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (session_id, seq)) STRICT, WITHOUT ROWID");
const ins = bareDb.prepare("INSERT INTO events VALUES (?, ?, ?, ?, ?)");
let seq = 0;
function mk(label, sql) {
  const db = new Database(join(dir, label + ".db"));
  const store = createSqliteStore({ database: db });
  if (sql) db.exec(sql);
  const s = store.sync();
  const { session } = s.create({ mode: "code", task: "t", userId: "u1", metadata: { model: "x", cost: 1 }, context: { a: "y".repeat(500) } });
  // other sessions so pages are realistic
  for (let i = 0; i < 2000; i++) s.create({ mode: "code", task: "t" + i, userId: "u" + (i % 50), context: { a: "y".repeat(500) } });
  return () => s.commit(session.id, { events: [{ type: "iteration", data }] });
}
const fns = {
  bare: () => ins.run("session_abc", ++seq, new Date().toISOString(), "iteration", JSON.stringify(data)),
  covering: mk("cov"),
  noCovering: mk("nocov", "DROP INDEX sessions_stats; CREATE INDEX st2 ON sessions (status, mode)"),
  noStatsIndex: mk("nostats", "DROP INDEX sessions_stats"),
};
const time = (fn) => { const t = process.hrtime.bigint(); for (let i = 0; i < N; i++) fn(); return Number(process.hrtime.bigint() - t) / 1000 / N; };
const res = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
for (const fn of Object.values(fns)) time(fn);
for (let r = 0; r < ROUNDS; r++) for (const [k, fn] of Object.entries(fns)) res[k].push(time(fn));
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const min = (a) => Math.min(...a);
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(14), "median", med(v).toFixed(2), "min", min(v).toFixed(2), "ratio(median)", (med(v) / med(res.bare)).toFixed(2), "ratio(min)", (min(v) / min(res.bare)).toFixed(2));
