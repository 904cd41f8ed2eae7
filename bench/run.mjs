#!/usr/bin/env node
// pnpm bench: every workload on every adapter, against the seed module's algorithm, the raw primitive
// under each adapter, and LangGraph's SQLite checkpointer. Prints tables; a full run writes BENCHMARKS.md.
//   node bench/run.mjs [--quick] [--only fs,sqlite] [--workloads append,read,query,conc,cleanup,scale,ui,retention,inbox] [--out FILE]
// LangGraph's checkpointers run beside SQLite (append and read) and PostgreSQL (append) when selected.
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ADAPTER_PACKAGES, loadAdapter, PG_URL, SUBJECTS } from "./lib/adapters.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { methodText, missNotes, observations } from "./lib/method.mjs";
import { renderLost, renderRatios, renderTables } from "./lib/report.mjs";
import { dataSetTimes, releaseDataSets } from "./lib/seeding.mjs";
import { evaluate, infoDefs, targetDefs } from "./lib/targets.mjs";
import { runAppend, runRead } from "./lib/w-append.mjs";
import { runCleanup } from "./lib/w-cleanup.mjs";
import { runCli } from "./lib/w-cli.mjs";
import { runConc } from "./lib/w-conc.mjs";
import { runInbox } from "./lib/w-inbox.mjs";
import { runOwnership } from "./lib/w-ownership.mjs";
import { loadPeer } from "./lib/w-peer.mjs";
import { loadPgPeer } from "./lib/w-peer-pg.mjs";
import { runQuery } from "./lib/w-query.mjs";
import { runRetention } from "./lib/w-retention.mjs";
import { runScale } from "./lib/w-scale.mjs";
import { runUi } from "./lib/w-ui.mjs";
import { runWatch } from "./lib/w-watch.mjs";

const require = createRequire(import.meta.url);
const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
/** Workloads in run order (query seeds the shared data sets that ui and cli reuse). */
const WORKLOADS = {
  append: runAppend,
  read: runRead,
  query: runQuery,
  conc: runConc,
  cleanup: runCleanup,
  scale: runScale,
  ownership: runOwnership,
  ui: runUi,
  cli: runCli,
  watch: runWatch,
  retention: runRetention,
  inbox: runInbox,
};
const ALL_WORKLOADS = Object.keys(WORKLOADS);

function parseArgs(argv) {
  const args = { quick: false, only: null, workloads: ALL_WORKLOADS, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes("=") ? a.split("=")[1] : argv[++i];
      if (!v) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") args.quick = true;
    else if (a.startsWith("--only")) args.only = value().split(",");
    else if (a.startsWith("--workloads")) args.workloads = value().split(",");
    else if (a.startsWith("--out")) args.out = value();
    else throw new Error(`unknown argument ${a}; use --quick, --only a,b, --workloads a,b, --out FILE`);
  }
  for (const o of args.only ?? [])
    if (!(o in ADAPTER_PACKAGES))
      throw new Error(`--only: unknown adapter ${o} (${Object.keys(ADAPTER_PACKAGES).join(", ")})`);
  for (const w of args.workloads)
    if (!ALL_WORKLOADS.includes(w))
      throw new Error(`--workloads: unknown workload ${w} (${ALL_WORKLOADS.join(", ")})`);
  return args;
}

async function connectPg() {
  try {
    const pg = require("pg");
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
    await client.connect();
    return { client };
  } catch (error) {
    return {
      reason: `PostgreSQL not reachable at ${PG_URL.replace(/\/\/[^@]*@/, "//")} (${error?.message ?? error})`,
    };
  }
}

const fmtLoad = (avg) => avg.map((x) => x.toFixed(2)).join(" / ");

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = process.hrtime.bigint();
  const runDir = path.join(BENCH_DIR, ".data", `run-${process.pid}`);
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  const elapsed = () => `${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)}s`;

  const ctx = {
    quick: args.quick,
    rounds: args.quick ? 2 : 5,
    warmup: 1,
    runDir,
    pgUrl: PG_URL,
    pgAdmin: null,
    walk: true,
    figures: {},
    subjects: [],
    unavailable: [],
    versions: {},
    log: (msg) => process.stderr.write(`[bench ${elapsed()}] ${msg}\n`),
    fig(key, value) {
      ctx.figures[key] = value;
    },
    has(adapter) {
      return ctx.subjects.some((s) => s.adapter === adapter);
    },
  };

  const wanted = SUBJECTS.filter((s) => !args.only || args.only.includes(s.adapter));
  let pgReason = null;
  if (wanted.some((s) => s.adapter === "postgres")) {
    const pg = await connectPg();
    if (pg.client) ctx.pgAdmin = pg.client;
    else pgReason = pg.reason;
  }
  for (const s of wanted) {
    const loaded = await loadAdapter(s.adapter);
    const reason = !loaded.ok ? loaded.reason : s.adapter === "postgres" ? pgReason : null;
    if (reason) {
      ctx.unavailable.push({ id: s.id, reason });
      console.log(`not available: ${s.label}: ${reason}`);
    } else ctx.subjects.push(s);
  }
  // LangGraph peers run beside the store of the same engine whenever that store is selected.
  const peers = [
    ["sqlite", "peer", "langgraph", "LangGraph SqliteSaver", loadPeer],
    ["postgres", "peerPg", "langgraph-pg", "LangGraph PostgresSaver", loadPgPeer],
  ];
  for (const [adapter, key, id, label, load] of peers) {
    if (!ctx.has(adapter)) continue;
    const peer = await load();
    if (peer.ok) {
      ctx[key] = peer;
      ctx.versions = { ...ctx.versions, ...peer.versions };
    } else {
      ctx.unavailable.push({ id, reason: peer.reason });
      console.log(`not available: ${label}: ${peer.reason}`);
    }
  }
  ctx.log(
    `subjects: ${ctx.subjects.map((s) => s.id).join(", ") || "none"}${args.quick ? " (quick mode)" : ""}`,
  );

  // A failed workload is reported and the others still run, so one failure does not cost the whole
  // run: its rows are rerun alone (--workloads) and merged by hand.
  let failed = null;
  const failures = [];
  const timings = {};
  const loadAtStart = os.loadavg();
  for (const w of args.workloads) {
    const t0 = process.hrtime.bigint();
    try {
      await WORKLOADS[w](ctx);
    } catch (error) {
      failed ??= error;
      failures.push({ w, error });
      console.error(`bench failed: workload ${w}: ${error?.stack ?? error}`);
    }
    timings[w] = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  const loadAtEnd = os.loadavg();

  try {
    await releaseDataSets(ctx);
  } catch (error) {
    failed ??= error;
    failures.push({ w: "release of the shared data sets", error });
  }
  const machine = await describeMachine(runDir, ctx.pgAdmin);
  machine.versions = { ...machine.versions, ...ctx.versions };
  if (ctx.pgAdmin) {
    // Schemas this run created are dropped as it goes; this catches any left by a failed workload.
    const { rows } = await ctx.pgAdmin.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", [
      `skbench\\_${process.pid}\\_%`,
    ]);
    for (const { nspname } of rows) await ctx.pgAdmin.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
    await ctx.pgAdmin.end();
  }
  fs.rmSync(runDir, { recursive: true, force: true });

  const targets = evaluate(targetDefs(ctx), ctx.figures);
  const info = evaluate(infoDefs(ctx), ctx.figures);
  const lostRows = renderLost(ctx);
  const tables = renderTables(ctx);
  const ratios = renderRatios([...targets, ...info]);
  const lostTable = lostRows.map((r) => `| ${r.join(" | ")} |`).join("\n");
  const totalS = Number(process.hrtime.bigint() - started) / 1e9;

  console.log(
    `\n## Targets (ratios from this run${ctx.quick ? "; QUICK MODE: small sizes, indicative only" : ""})\n`,
  );
  console.log(`${ratios}\n${lostTable}\n\n${missNotes(targets, ctx)}\n\n${observations(ctx)}\n`);
  console.log(`## Figures\n\n${tables}\n`);
  for (const u of ctx.unavailable) console.log(`not available: ${u.id}: ${u.reason}`);
  const wallLine = `${totalS.toFixed(1)} s (${Object.entries(timings)
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(", ")}; shared data sets seeded: ${
    dataSetTimes(ctx)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(", ") || "none"
  })`;
  console.log(`\nbench ${ctx.quick ? "quick" : "full"} run: ${wallLine}`);

  const outFile =
    args.out ??
    (args.quick || args.only || args.workloads !== ALL_WORKLOADS
      ? null
      : path.join(BENCH_DIR, "..", "BENCHMARKS.md"));
  if (outFile) {
    const doc = [
      "# Benchmarks",
      "",
      `Written by \`pnpm bench\` (\`node bench/run.mjs\`) on ${machine.date}; the full run took ${(totalS / 60).toFixed(1)} minutes. Re-run it to refresh this page.`,
      "",
      `Wall time per workload (seeding included where a workload seeds): ${wallLine}.`,
      "",
      "## Machine",
      "",
      `- CPU: ${machine.cpu}; memory ${machine.memory}; ${machine.os}`,
      `- Disk under the data: \`${machine.disk}\``,
      `- Node ${machine.node}; repository commit ${machine.commit ?? "unknown"}`,
      `- Load average (1/5/15 min) at the start of the workloads: ${fmtLoad(loadAtStart)}; at the end: ${fmtLoad(loadAtEnd)}`,
      ...failures.map(
        ({ w, error }) =>
          `- **workload \`${w}\` FAILED in this run** (${String(error?.message ?? error).split("\n")[0]}): its rows are missing or from a separate run, see below`,
      ),
      `- Versions: ${Object.entries(machine.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
      ...(ctx.unavailable.length
        ? ["", ...ctx.unavailable.map((u) => `- not available: ${u.id}: ${u.reason}`)]
        : []),
      "",
      "## Method",
      "",
      methodText(ctx),
      "",
      "## Targets",
      "",
      'Ratios are computed from figures of this same run. "N× faster" is the other subject\'s time divided by ours.',
      "",
      ratios,
      lostTable,
      "",
      missNotes([...targets], ctx),
      "",
      observations(ctx),
      "",
      "## Figures",
      "",
      tables,
      "",
    ].join("\n");
    fs.writeFileSync(outFile, doc);
    console.log(`wrote ${path.relative(process.cwd(), outFile) || outFile}`);
  }

  if (failed) {
    console.error(`bench failed: ${failures.map((f) => f.w).join(", ")}`);
    process.exitCode = 1;
  }
  const lost = ctx.subjects.some((s) => ctx.figures[`conc.${s.id}`]?.lost.some((n) => n !== 0));
  if (lost) {
    console.error("bench: an adapter lost events in the concurrency workload");
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error?.stack ?? error);
  process.exitCode = 1;
});
