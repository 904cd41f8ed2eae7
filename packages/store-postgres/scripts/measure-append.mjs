// Append (store.commit with one event) against a bare INSERT round trip on the same pool.
// Usage: node scripts/measure-append.mjs [rounds=10] [perRound=300]   (needs a build and a server)
import { createPostgresStore } from "@sessionkit/store-postgres";
import pg from "pg";

const url = process.env.SESSIONKIT_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const rounds = Number(process.argv[2] ?? 10);
const perRound = Number(process.argv[3] ?? 300);
const schema = `sk_measure_${Math.random().toString(36).slice(2, 10)}`;
const pool = new pg.Pool({ connectionString: url, max: 1 });
const store = createPostgresStore({ pool }, { schema });
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  const { session } = await store.create({
    mode: "chat",
    task: "measure",
    context: { notes: "context ".repeat(20) },
  });
  await pool.query(
    `CREATE TABLE ${schema}.bare (session_id text, seq int, body text, PRIMARY KEY (session_id, seq))`,
  );
  const data = { n: 1, text: "hello world" };
  const body = JSON.stringify({ seq: 1, timestamp: new Date().toISOString(), type: "iteration", data });
  let seq = 0;
  const bare = [];
  const append = [];
  const roundTrip = [];
  for (let round = -1; round < rounds; round++) {
    let start = performance.now();
    for (let i = 0; i < perRound; i++) {
      await pool.query(`INSERT INTO ${schema}.bare (session_id, seq, body) VALUES ($1, $2, $3)`, [
        session.id,
        ++seq,
        body,
      ]);
    }
    const b = (performance.now() - start) / perRound;
    start = performance.now();
    for (let i = 0; i < perRound; i++)
      await store.commit(session.id, { events: [{ type: "iteration", data }] });
    const a = (performance.now() - start) / perRound;
    start = performance.now();
    for (let i = 0; i < perRound; i++) await pool.query("SELECT 1");
    const r = (performance.now() - start) / perRound;
    if (round < 0) continue; // warm-up
    bare.push(b);
    append.push(a);
    roundTrip.push(r);
  }
  const result = {
    bareInsertMs: median(bare),
    appendMs: median(append),
    select1Ms: median(roundTrip),
    ratio: median(append.map((a, i) => a / bare[i])),
  };
  console.log(JSON.stringify(result, (_k, v) => (typeof v === "number" ? Number(v.toFixed(3)) : v)));
} finally {
  await store.close();
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
}
