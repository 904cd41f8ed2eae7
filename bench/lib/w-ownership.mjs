// Workload "ownership": (1) detection time after SIGKILL of a worker that owns a session, 20 trials
// per store: a sweeper in this process (startSweeper) against a worker child on the same host (the
// pid fast path) and, on PostgreSQL, against a worker that looks remote (only its 2 s lease tells);
// (2) the cost of an operationId on a SQLite append through the manager's sync face, interleaved
// with the same append without one.
import { fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { destroySpec, loadAdapter, makeSpec, openStore } from "./adapters.mjs";
import { fmtUs, measureInterleaved, median, now } from "./measure.mjs";

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "workers", "owner-worker.mjs");
// phaseMs: the kill lands at a random instant within it, sampling the sweep (and heartbeat) phase.
const LOCAL = { sweepMs: 250, leaseMs: 15_000, phaseMs: 250 };
const REMOTE = { sweepMs: 1000, leaseMs: 2000, phaseMs: 1000 };
/** The defaults a cross-host detection is bounded by: DEFAULT_LEASE_MS + a 5 s sweep interval. */
export const DEFAULT_BOUND = { leaseMs: 15_000, sweepMs: 5000 };

export const ownershipTrials = (quick) => (quick ? 2 : 20);

/** Rows: [figure key, label, limit in ms]. */
export function detectionRows() {
  return [
    ["own.detect.fs", "fs, same host (pid check)", 1000],
    ["own.detect.sqlite", "sqlite, same host (pid check)", 1000],
    [
      "own.detect.postgres-remote",
      `postgres, owner on "another host": lease ${REMOTE.leaseMs / 1000} s, sweep ${REMOTE.sweepMs / 1000} s`,
      REMOTE.leaseMs + REMOTE.sweepMs,
    ],
  ];
}

function startWorker(spec, leaseMs, where) {
  const child = fork(WORKER, [JSON.stringify(spec), String(leaseMs), where], { stdio: "inherit" });
  const ready = new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`owner worker exited (${code}) before starting`)));
  });
  return { child, ready };
}

async function detect(ctx, subject, key, setting, where) {
  const { createSessionManager } = await import("@sessionkit/core");
  const spec = makeSpec(subject.adapter, ctx.runDir, `own_${key.replace(/\W/g, "_")}`, subject.options);
  const store = await openStore(spec);
  const sweeper = createSessionManager({ store });
  const crashed = new Map();
  sweeper.on("crash", (n) => crashed.get(n.session.id)?.(now()));
  sweeper.startSweeper({ intervalMs: setting.sweepMs });
  const ms = [];
  // The next worker starts while this trial runs, so its start-up stays out of the trial's time.
  let next = startWorker(spec, setting.leaseMs, where);
  try {
    for (let t = 0; t < ownershipTrials(ctx.quick); t++) {
      const { child, ready } = next;
      const { id } = await ready;
      if (t + 1 < ownershipTrials(ctx.quick)) next = startWorker(spec, setting.leaseMs, where);
      const seen = new Promise((resolve) => crashed.set(id, resolve));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * setting.phaseMs));
      const exited = new Promise((resolve) => child.once("exit", resolve));
      const t0 = now();
      child.kill("SIGKILL");
      await exited;
      // The sweeper's timer is unref'd (it never keeps a process alive), and after the last kill
      // no worker is left either: without this the process exited before the crash was seen.
      const alive = setInterval(() => {}, 1000);
      const at = await seen.finally(() => clearInterval(alive));
      ms.push(Number(at - t0) / 1e6);
      const after = await store.get(id);
      if (after.status !== "paused" || after.pause?.reason !== "crashed")
        throw new Error(`${key}: the crashed session is ${after.status}, not paused/crashed`);
    }
  } finally {
    if (next.child.exitCode === null && next.child.signalCode === null) next.child.kill("SIGKILL");
    await sweeper.close();
    await store.close();
    await destroySpec(spec, ctx.pgAdmin);
  }
  const sorted = [...ms].sort((a, b) => a - b);
  ctx.fig(key, {
    us: median(ms) * 1000,
    min: sorted[0] * 1000,
    max: sorted.at(-1) * 1000,
    p95: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] * 1000,
    rounds: ms.length,
    ops: 1,
  });
  ctx.fig(`${key}.max`, { us: sorted.at(-1) * 1000 });
}

async function operationIdCost(ctx, subject) {
  const { createSessionManager } = await import("@sessionkit/core");
  const spec = makeSpec(subject.adapter, ctx.runDir, "own_opid", subject.options);
  const store = await openStore(spec);
  const manager = createSessionManager({ store });
  const face = manager.sync();
  const ops = ctx.quick ? 100 : 300;
  let n = 0;
  const fresh = () => face.start({ task: "append", mode: "bench" }).id;
  try {
    const figures = await measureInterleaved(
      [
        { key: "plain", ops, sync: true, setup: fresh, fn: (i, id) => face.addEvent(id, "step", { i }) },
        {
          key: "opid",
          ops,
          sync: true,
          setup: fresh,
          fn: (i, id) => face.addEvent(id, "step", { i }, { operationId: `op-${n++}` }),
        },
      ],
      { rounds: ctx.rounds, warmup: ctx.warmup },
    );
    ctx.fig("own.append.sqlite.plain", figures.plain);
    ctx.fig("own.append.sqlite.opid", figures.opid);
  } finally {
    await manager.close();
    await store.close();
    await destroySpec(spec, ctx.pgAdmin);
  }
}

export async function runOwnership(ctx) {
  // The pid check does not depend on the store (fs and sqlite show it); PostgreSQL is measured as the
  // cross-host case, where only the lease tells.
  for (const [id, key, setting, where] of [
    ["fs", "own.detect.fs", LOCAL, "local"],
    ["sqlite", "own.detect.sqlite", LOCAL, "local"],
    ["postgres", "own.detect.postgres-remote", REMOTE, "remote"],
  ]) {
    const subject = ctx.subjects.find((s) => s.id === id);
    if (!subject) continue;
    ctx.log(`ownership: detection after SIGKILL on ${id} (${where} owner)`);
    await detect(ctx, subject, key, setting, where);
  }
  ctx.fig("own.limit.pid", { us: 1_000_000 });
  ctx.fig("own.limit.remote", { us: (REMOTE.leaseMs + REMOTE.sweepMs) * 1000 });
  const sqlite = ctx.subjects.find((s) => s.id === "sqlite");
  if (sqlite && (await loadAdapter("sqlite")).ok) {
    ctx.log("ownership: operationId cost on a sqlite append");
    await operationIdCost(ctx, sqlite);
  }
}

/** The workload's target rows (ratios against the limits, so the shared evaluator applies). */
export function ownershipTargets() {
  return [
    ...["fs", "sqlite"].map((id) => ({
      id: `own-detect-${id}`,
      label: `${id}: slowest of the detections after SIGKILL (same host, pid check) vs 1 s`,
      num: `own.detect.${id}.max`,
      den: "own.limit.pid",
      op: "<=",
      target: 1,
    })),
    {
      id: "own-detect-postgres-remote",
      label: `postgres, owner on another host: slowest detection (lease ${REMOTE.leaseMs / 1000} s, sweep ${REMOTE.sweepMs / 1000} s) vs 3 s`,
      num: "own.detect.postgres-remote.max",
      den: "own.limit.remote",
      op: "<=",
      target: 1,
    },
    {
      id: "own-opid-sqlite",
      label: "sqlite append with an operationId vs without (manager, sync face)",
      num: "own.append.sqlite.opid",
      den: "own.append.sqlite.plain",
      op: "<=",
      target: 1.1,
    },
  ];
}

/** The workload's table: median, p95 and slowest detection per store, and the operationId cost. */
export function renderOwnership(ctx, table) {
  const F = ctx.figures;
  const rows = detectionRows()
    .filter(([key]) => F[key])
    .map(([key, label, limit]) => {
      const f = F[key];
      return [label, fmtUs(f.us), fmtUs(f.p95), fmtUs(f.max), `${f.rounds}`, `≤ ${limit / 1000} s`];
    });
  const out = [];
  if (rows.length > 0) {
    out.push(
      `### Crash detection after SIGKILL of the owner (a sweeper in another process)\n\n${table(["store / setting", "median", "p95", "slowest", "trials", "goal"], rows)}\n\nWith the defaults (lease ${DEFAULT_BOUND.leaseMs / 1000} s, a sweeper every ${DEFAULT_BOUND.sweepMs / 1000} s), a sweeper on another host detects a crash within lease + interval = ${(DEFAULT_BOUND.leaseMs + DEFAULT_BOUND.sweepMs) / 1000} s of the last heartbeat (not measured: 20 trials would take minutes); on the owner's host the pid check makes it one sweep interval.`,
    );
  }
  const plain = F["own.append.sqlite.plain"];
  const opid = F["own.append.sqlite.opid"];
  if (plain && opid) {
    out.push(
      `### An operationId on a SQLite append (manager.sync().addEvent, fresh session per round)\n\n${table(
        ["call", "median per append", "rounds min–max"],
        [
          ["addEvent(id, type, data)", fmtUs(plain.us), `${fmtUs(plain.min)}–${fmtUs(plain.max)}`],
          [
            "addEvent(id, type, data, { operationId })",
            fmtUs(opid.us),
            `${fmtUs(opid.min)}–${fmtUs(opid.max)}`,
          ],
        ],
      )}`,
    );
  }
  return out.join("\n\n");
}
