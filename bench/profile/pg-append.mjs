#!/usr/bin/env node
// Where a PostgreSQL append's cost goes, in figures that depend little on load: round trips per append
// (queries sent by the pool), WAL bytes per append (pg_current_wal_lsn before/after: cluster-wide, so other
// clients of the server inflate it), and CPU µs per append
// on each side (this process: process.cpuUsage; the server backend: utime + stime from /proc/<pid>/stat,
// the server runs on this machine), beside the bare prepared INSERT of bench/lib/primitives.mjs. Wall time
// is shown too but depends on load. 10 sessions at history 1,000, a pool of 2 (appends and the store's
// NOTIFY), best of 3 interleaved rounds.
//   node bench/profile/pg-append.mjs [--ops N] [--no-trigger] [--drop INDEX,INDEX]
// --no-trigger / --drop (analysis only): disable the change-log trigger, or drop indexes of the sessions
// table, to see what each costs (watch then misses those changes; list, stats and prune scan).
import fs from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";
import { PG_URL } from "../lib/adapters.mjs";
import { eventData, makeSession, sessionId } from "../lib/data.mjs";
import { createBarePg } from "../lib/primitives.mjs";

const require = createRequire(import.meta.url);
const pg = require("pg");
const { createPostgresStore } = await import("@sessionkit/store-postgres");
const arg = (name) => process.argv.includes(name);
const ops = Number(process.argv[process.argv.indexOf("--ops") + 1] || 2000);
const K = 10;
const HISTORY = 1000;
const schema = `skprof_${process.pid}`;
const TICK_US = 1e6 / 100; // USER_HZ: /proc stat times are in 1/100 s

const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();

/** utime + stime of server backends (a pid, or the set of the store's pool), µs. */
function backendCpu(pids) {
  let sum = 0;
  for (const pid of typeof pids === "number" ? [pids] : pids) {
    if (!fs.existsSync(`/proc/${pid}/stat`)) continue; // its round is voided (see "remove")
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    sum += (Number(fields[11]) + Number(fields[12])) * TICK_US;
  }
  return sum;
}
const walLsn = async () => (await admin.query("SELECT pg_current_wal_lsn() AS l")).rows[0].l;
const walBytes = async (from) =>
  Number((await admin.query("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS d", [from])).rows[0].d);

// Our store on a one-connection pool we hand in, with every query counted (one query = one round trip:
// node-postgres sends Parse/Bind/Execute/Sync, or Bind/Execute/Sync once prepared, and waits for ReadyForQuery).
// The store's own NOTIFY (change-notify.ts, at most one per 10 ms) is counted apart; its backend's CPU is included.
const pool = new pg.Pool({ connectionString: PG_URL, max: 2, idleTimeoutMillis: 0 });
let queries = 0;
let notifies = 0;
const ourPids = new Set();
const countQuery = (client) => {
  const query = client.query.bind(client);
  client.query = (...a) => {
    const text = typeof a[0] === "string" ? a[0] : a[0]?.text;
    if (client.processID) ourPids.add(client.processID);
    if (text?.includes("pg_notify")) notifies += 1;
    else queries += 1;
    return query(...a);
  };
};
pool.on("connect", countQuery); // pool.query runs on a client too, so each query is counted once
// A backend that goes away (another client of the server may terminate backends) voids its round.
let removed = 0;
pool.on("remove", () => {
  removed += 1;
});
const store = createPostgresStore({ pool }, { schema });
const ids = [];
for (let i = 0; i < K; i++) {
  const { session, events } = makeSession(sessionId("p", i), i, HISTORY, { status: "active" });
  await store.importSession(session, events);
  ids.push(session.id);
}
const s = `"${schema}"`;
if (arg("--no-trigger")) await admin.query(`ALTER TABLE ${s}.sessions DISABLE TRIGGER sessionkit_changes`);
const drop = process.argv.indexOf("--drop");
for (const name of drop === -1 ? [] : process.argv[drop + 1].split(","))
  await admin.query(`DROP INDEX ${s}."${name}"`);
const bare = await createBarePg(PG_URL, `${schema}_bare`);
await bare.reset(K, HISTORY);
const barePid = await bare.pid();

const data = Array.from({ length: ops }, (_, i) => eventData(i));

async function measure(name, pid, fn) {
  const lsn = await walLsn();
  const r0 = removed;
  const q0 = queries;
  const n0 = notifies;
  const c0 = process.cpuUsage();
  const pidsBefore = ourPids.size;
  const b0 = pid === null ? 0 : backendCpu(pid);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await fn(i);
  const wall = Number(process.hrtime.bigint() - t0) / 1e3 / ops;
  const c = process.cpuUsage(c0);
  if (removed !== r0 || (pid !== barePid && ourPids.size !== pidsBefore)) return null;
  return {
    name,
    wall,
    client: (c.user + c.system) / ops,
    server: pid === null ? Number.NaN : (backendCpu(pid) - b0) / ops,
    wal: (await walBytes(lsn)) / ops,
    trips: (queries - q0) / ops,
    notifies: (notifies - n0) / ops,
  };
}

const ours = (i) => store.commit(ids[i % K], { events: [{ type: "tool_call", data: data[i] }] });
const raw = (i) => {
  queries += 1; // the bare primitive sends one query per append on its own client
  return bare.appendAsync(i % K, data[i]);
};
const rounds = { ours: [], bare: [] };
const ourPid = ourPids;
await measure("warm", ourPid, ours);
await measure("warm", barePid, raw);
for (let r = 0; r < 8 && (rounds.ours.length < 3 || rounds.bare.length < 3); r++) {
  const x = await measure("ours", ourPid, ours);
  if (x) rounds.ours.push(x);
  const y = await measure("bare", barePid, raw);
  if (y) rounds.bare.push(y);
}
const best = (list) => list.reduce((a, b) => (b.wall < a.wall ? b : a));
const o = best(rounds.ours);
const b = best(rounds.bare);
const load = (await import("node:os")).loadavg()[0].toFixed(1);
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(0) : "–");
const flags =
  [
    ...process.argv.filter((a) => a.startsWith("--no-")),
    drop === -1 ? "" : `--drop ${process.argv[drop + 1]}`,
  ]
    .join(" ")
    .trim() || "as shipped";
console.log(`pg-append (${flags}), ${ops} appends × 3 rounds, best round; load ${load}`);
console.log(
  "| subject | round trips | + NOTIFY | WAL B (cluster-wide) | client CPU µs | server CPU µs | wall µs |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const x of [b, o])
  console.log(
    `| ${x.name} | ${x.trips.toFixed(2)} | ${x.notifies.toFixed(2)} | ${fmt(x.wal)} | ${fmt(x.client)} | ${fmt(x.server)} | ${fmt(x.wall)} |`,
  );
console.log(
  `ours/bare: WAL ${(o.wal / b.wal).toFixed(2)}×, server CPU ${(o.server / b.server).toFixed(2)}×, client CPU ${(o.client / b.client).toFixed(2)}×, wall ${(o.wall / b.wall).toFixed(2)}×`,
);

await store.close();
await pool.end();
await bare.close();
await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
await admin.end();
