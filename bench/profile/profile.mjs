#!/usr/bin/env node
// CPU profile of one missed target's operation, on the built packages, and a summary of where the
// time goes (self time by function and by package). Summaries are kept in bench/PROFILES.md.
//   node bench/profile/profile.mjs <fs-append|fs-none-append|sqlite-append|memory-commit|fs-prune|postgres-append> [--ops N] [--save FILE]
// The profiler samples only the timed loop (node:inspector around it), not the setup.
import fs from "node:fs";
import inspector from "node:inspector";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { destroySpec, makeSpec, openStore } from "../lib/adapters.mjs";
import { eventData, makeSession, sessionId } from "../lib/data.mjs";

const [what, ...rest] = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = rest.indexOf(name);
  return i === -1 ? fallback : rest[i + 1];
};
const HISTORY = 1000;
const ops = Number(flag("--ops", what === "fs-prune" ? 1000 : 3000));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skprof-"));

function post(session, method, params) {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

async function seeded(spec, count, history, overrides = () => ({})) {
  const store = await openStore(spec);
  const sync = store.capabilities?.sync === false ? null : (store.sync?.() ?? null);
  const ids = [];
  for (let i = 0; i < count; i++) {
    const { session, events } = makeSession(sessionId("p", i), i, history, overrides(i));
    if (sync) sync.importSession(session, events);
    else await store.importSession(session, events);
    ids.push(session.id);
  }
  return { store, sync, ids };
}

async function appendLoop(spec) {
  const { store, sync, ids } = await seeded(spec, 10, HISTORY);
  const data = Array.from({ length: ops }, (_, i) => eventData(i));
  const run = () => {
    for (let i = 0; i < ops; i++)
      sync.commit(ids[i % ids.length], { events: [{ type: "tool_call", data: data[i] }] });
  };
  return { store, run, warm: true };
}

/** The async face (PostgreSQL has no other); idle time waiting for the server is not sampled as work. */
async function appendLoopAsync(spec) {
  const { store, ids } = await seeded(spec, 10, HISTORY);
  const data = Array.from({ length: ops }, (_, i) => eventData(i));
  const run = async () => {
    for (let i = 0; i < ops; i++)
      await store.commit(ids[i % ids.length], { events: [{ type: "tool_call", data: data[i] }] });
  };
  return { store, run, warm: true, spec };
}

async function pruneOnce(spec) {
  const old = (i) => (i % 2 === 0 ? { status: "completed", updatedAt: "2025-01-01T00:00:00.000Z" } : {});
  const { store, sync } = await seeded(spec, ops * 2, 3, old);
  const run = () => sync.prune({ olderThan: new Date("2025-06-01T00:00:00.000Z"), statuses: ["completed"] });
  return { store, run };
}

const SUBJECTS = {
  "fs-append": () => appendLoop({ adapter: "fs", dir: path.join(dir, "fs"), options: {} }),
  "fs-none-append": () =>
    appendLoop({ adapter: "fs", dir: path.join(dir, "fs"), options: { durability: "none" } }),
  "sqlite-append": () => appendLoop({ adapter: "sqlite", filename: path.join(dir, "s.db"), options: {} }),
  "memory-commit": () => appendLoop({ adapter: "memory", options: {} }),
  "fs-prune": () => pruneOnce({ adapter: "fs", dir: path.join(dir, "fs"), options: {} }),
  "postgres-append": () => appendLoopAsync(makeSpec("postgres", dir, "profile_append", {})),
};

/** Self time per function and per package (store-fs, core, better-sqlite3, node:fs, gc…). */
function summarise(profile, totalUs) {
  const dt = new Map();
  const { samples, timeDeltas, nodes } = profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (let i = 0; i < samples.length; i++)
    dt.set(samples[i], (dt.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
  // The profiler's own work (the inspector session's dispatch) is not the operation's.
  for (const [id] of dt) {
    const { functionName, url } = byId.get(id).callFrame;
    if ((functionName === "dispatch" && !url) || url === "node:inspector" || functionName === "(idle)")
      dt.delete(id);
  }
  const fns = new Map();
  const pkgs = new Map();
  for (const [id, us] of dt) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const file = url ? url.replace(/^.*\/(packages|node_modules)\//, "").replace(/^file:\/\//, "") : "";
    const key =
      `${functionName || "(anonymous)"} ${file ? `${path.basename(file)}:${lineNumber + 1}` : ""}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    const pkg = !url
      ? functionName.startsWith("(")
        ? functionName
        : `native: ${functionName}`
      : url.startsWith("node:")
        ? url
        : (url.match(/packages\/([^/]+)\//)?.[1] ??
          url.match(/node_modules\/(\.pnpm\/)?([^/@]+)/)?.[2] ??
          file);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  const sampled = [...dt.values()].reduce((a, b) => a + b, 0);
  const top = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${((100 * us) / sampled).toFixed(1).padStart(5)}%  ${k}`)
      .join("\n");
  return `wall ${(totalUs / 1e3).toFixed(1)} ms, ${(totalUs / ops).toFixed(2)} µs per op over ${ops} ops (profiler on)${unprofiled}\nby package:\n${top(pkgs, 10)}\nby function (self):\n${top(fns, 18)}`;
}

const make = SUBJECTS[what];
if (!make) throw new Error(`usage: profile.mjs <${Object.keys(SUBJECTS).join("|")}> [--ops N] [--save FILE]`);
const { store, run, warm, spec } = await make();
let unprofiled = "";
if (warm) {
  // A first run unprofiled: the JIT warms up, and its wall time is the figure without the profiler.
  const w0 = process.hrtime.bigint();
  await run();
  unprofiled = `; ${(Number(process.hrtime.bigint() - w0) / 1e3 / ops).toFixed(2)} µs per op unprofiled`;
}
const session = new inspector.Session();
session.connect();
await post(session, "Profiler.enable");
await post(session, "Profiler.setSamplingInterval", { interval: 200 });
await post(session, "Profiler.start");
const t0 = process.hrtime.bigint();
await run();
const totalUs = Number(process.hrtime.bigint() - t0) / 1e3;
const { profile } = await post(session, "Profiler.stop");
session.disconnect();
await store.close?.();
if (spec?.adapter === "postgres") {
  const pg = (await import("pg")).default;
  const admin = new pg.Client({ connectionString: spec.connectionString });
  await admin.connect();
  await destroySpec(spec, admin);
  await admin.end();
}
fs.rmSync(dir, { recursive: true, force: true });
const save = flag("--save", null);
if (save) fs.writeFileSync(save, JSON.stringify(profile));
console.log(`${what}: ${summarise(profile, totalUs)}`);
