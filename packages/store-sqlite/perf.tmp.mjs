// Local measurement (not a test): one-event append through the store vs a bare prepared INSERT
// of one event row in autocommit, WAL + synchronous=NORMAL, rounds interleaved A/B.
import Database from "better-sqlite3";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const N = 5000, ROUNDS = Number(process.env.ROUNDS ?? 20);
const dir = mkdtempSync(join(tmpdir(), "skp-"));
const data = { text: "x".repeat(150), n: 1 };
const db = new Database(join(dir, "bare.db"));
db.pragma("journal_mode = WAL"); db.pragma("synchronous = NORMAL");
db.exec("CREATE TABLE events (session_id TEXT NOT NULL, seq INTEGER NOT NULL, timestamp TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (session_id, seq)) STRICT, WITHOUT ROWID");
const ins = db.prepare("INSERT INTO events VALUES (?, ?, ?, ?, ?)");
let seq = 0;
const store = createSqliteStore({ filename: join(dir, "store.db") });
const s = store.sync();
const { session } = s.create({ mode: "code", task: "t", userId: "u1", metadata: { model: "x", cost: 1 }, context: { a: "y".repeat(500) } });
const time = (fn) => { const t = process.hrtime.bigint(); for (let i = 0; i < N; i++) fn(); return Number(process.hrtime.bigint() - t) / 1000 / N; };
const bare = () => ins.run("session_abc", ++seq, new Date().toISOString(), "iteration", JSON.stringify(data));
const append = () => s.commit(session.id, { events: [{ type: "iteration", data }] });
time(bare); time(append);
const A = [], B = [];
for (let r = 0; r < ROUNDS; r++) { A.push(time(bare)); B.push(time(append)); }
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const min = (a) => Math.min(...a);
console.log(`bare INSERT median ${med(A).toFixed(2)} µs (min ${min(A).toFixed(2)}), store append median ${med(B).toFixed(2)} µs (min ${min(B).toFixed(2)}); ratio of medians ${(med(B) / med(A)).toFixed(2)}x, of mins ${(min(B) / min(A)).toFixed(2)}x`);
await store.close(); db.close();
