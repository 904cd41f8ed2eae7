#!/usr/bin/env node
// `sessionkit migrate` fs → PostgreSQL by CPU as well as wall time, for a loaded machine where wall
// time mostly measures the scheduler: the CLI's own user+sys (from /usr/bin/time) and the CPU of the
// PostgreSQL backends serving it (found by application_name, read from /proc/<pid>/stat every 300 ms).
//   node bench/profile/migrate-cpu.mjs --dir DIR [--sessions N --events E]   (seeds DIR when it is empty)
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { PG_URL } from "../lib/adapters.mjs";
import { makeSession, sessionId } from "../lib/data.mjs";
import { seedStore } from "../lib/seeding.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
};
const BIN = fileURLToPath(new URL("../../packages/cli/dist/bin.js", import.meta.url));
const dir = path.resolve(arg("--dir", path.join(os.tmpdir(), "sk-migrate-cpu")));
const sessions = Number(arg("--sessions", 1000));
const events = Number(arg("--events", 100));
if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0) {
  await seedStore({ adapter: "fs", options: {}, dir }, sessions, (i) =>
    makeSession(sessionId("m", i), i, events),
  );
}
const schema = `skprof_migrate_${process.pid}`;
const app = `sk_migrate_cpu_${process.pid}`;
const psql = (sql) =>
  execFileSync("psql", [PG_URL, "-Atqc", sql], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
const checkpoint = path.join(os.tmpdir(), `${schema}.json`);
const backends = new Map();
const sample = () => {
  const pids = psql(`SELECT pid FROM pg_stat_activity WHERE application_name = '${app}'`);
  for (const pid of pids.split("\n").filter(Boolean)) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      backends.set(pid, (Number(fields[11]) + Number(fields[12])) / 100); // utime + stime, CLK_TCK 100
    } catch {}
  }
};
const target = new URL(PG_URL);
target.searchParams.set("schema", schema);
const route = { from: `fs:${dir}`, to: target.toString(), checkpoint };
const args = ["--json", "migrate", ...Object.entries(route).flatMap(([flag, value]) => [`--${flag}`, value])];
const load = os.loadavg()[0];
const t0 = performance.now();
const child = spawn("/usr/bin/time", ["-f", "%U %S", process.execPath, BIN, ...args], {
  env: { ...process.env, PGAPPNAME: app },
  stdio: ["ignore", "pipe", "pipe"],
});
let out = "";
let err = "";
child.stdout.on("data", (chunk) => {
  out += chunk;
});
child.stderr.on("data", (chunk) => {
  err += chunk;
});
const timer = setInterval(sample, 300);
const code = await new Promise((resolve) => child.on("exit", resolve));
clearInterval(timer);
const wall = (performance.now() - t0) / 1000;
const [user, sys] = (err.match(/^(\d+\.\d+) (\d+\.\d+)$/m) ?? [0, Number.NaN, Number.NaN])
  .slice(1)
  .map(Number);
psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
for (const file of [checkpoint, checkpoint.replace(/\.json$/, ".sums.jsonl")])
  fs.rmSync(file, { force: true });
const report = code === 0 ? JSON.parse(out) : { clean: false };
console.log(
  JSON.stringify({
    code,
    load: [load, os.loadavg()[0]],
    wallS: +wall.toFixed(2),
    cliCpuS: +(user + sys).toFixed(2),
    pgBackendCpuS: +[...backends.values()].reduce((a, b) => a + b, 0).toFixed(2),
    clean: report.clean,
    sessions: report.sessions,
    events: report.events,
    batches: report.batches,
  }),
);
