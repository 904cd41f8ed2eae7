// Workload "scale-out": N = 1, 2, 4, 8 processes, each with its own store handle, append for a fixed
// time: "distinct" = each process to its own sessions (the many-bots case), "contended" = all to one
// session. Figures: total appends/s over the run, p50 / p99 latency of one commit, and what survived:
// every history is read back and each commit that reported success must be there exactly once.
// Every persistent subject runs (memory is per-process); an adapter added to SUBJECTS joins by itself.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { destroySpec, makeSpec, openStore } from "./adapters.mjs";
import { makeSession, sessionId } from "./data.mjs";
import { table } from "./report.mjs";

const WORKER = fileURLToPath(new URL("../workers/scale-worker.mjs", import.meta.url));
const MODES = ["distinct", "contended"];
/** Sessions per process in the distinct mode (round-robin, like a bot serving a few users). */
const OWN_SESSIONS = 2;
/** fs (durability none) measures the same locking as fs; one fs row keeps the run short. */
const SKIPPED = new Set(["memory", "fs-none"]);

export function scalePlan(quick) {
  return quick ? { procs: [1, 2], seconds: 0.25 } : { procs: [1, 2, 4, 8], seconds: 2 };
}

/** The subjects this workload runs (every store that several processes can share). */
export const scaleSubjects = (subjects) => subjects.filter((s) => !SKIPPED.has(s.id));

function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Forks `procs` workers, waits until all are ready, lets them append for `seconds`, collects. */
async function race(spec, sessionsOf, procs, seconds, create) {
  const kids = [];
  const ready = [];
  const done = [];
  for (let w = 0; w < procs; w++) {
    const args = [JSON.stringify(spec), String(w), JSON.stringify(sessionsOf(w)), create ? "create" : "-"];
    const kid = fork(WORKER, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    kids.push(kid);
    ready.push(new Promise((resolve) => kid.on("message", (m) => m.ready && resolve())));
    done.push(
      new Promise((resolve, reject) => {
        kid.on("message", (m) => m.done && resolve(m));
        kid.on("exit", (code) => code && reject(new Error(`scale worker ${w} exited ${code}`)));
      }),
    );
  }
  await Promise.all(ready);
  for (const kid of kids) kid.send({ go: seconds * 1e3 });
  const results = await Promise.all(done);
  await Promise.all(kids.map((k) => (k.exitCode !== null ? null : new Promise((r) => k.on("exit", r)))));
  return results;
}

/** Reads every session back: successes not found (lost), pairs found twice, seq gaps. */
async function verify(spec, ids, results) {
  const store = await openStore(spec);
  const seen = new Map();
  let seqOk = true;
  try {
    for (const id of ids) {
      const got = await store.getWithHistory(id);
      seqOk &&= got.history.every((e, k) => e.seq === k + 1) && got.eventCount === got.history.length;
      for (const e of got.history) {
        if (typeof e.data?.w !== "number") continue;
        const key = `${e.data.w}:${e.data.i}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
  } finally {
    await store.close();
  }
  let lost = 0;
  for (const [w, r] of results.entries()) {
    const failed = new Set(r.failed);
    for (let i = 0; i < r.ops; i++) if (!failed.has(i) && !seen.has(`${w}:${i}`)) lost++;
  }
  const duplicates = [...seen.values()].filter((n) => n > 1).length;
  return { lost, duplicates, seqOk };
}

export async function runScale(ctx) {
  const { procs: counts, seconds } = scalePlan(ctx.quick);
  for (const subject of scaleSubjects(ctx.subjects)) {
    for (const mode of MODES) {
      for (const procs of counts) {
        const tag = `scale_${subject.id}_${mode}_${procs}`;
        const spec = makeSpec(subject.adapter, ctx.runDir, tag, subject.options);
        const shared = sessionId(`${tag}_shared`, 0);
        const sessionsOf = (w) =>
          mode === "contended"
            ? [shared]
            : Array.from({ length: OWN_SESSIONS }, (_, j) => sessionId(`${tag}_w${w}`, j));
        try {
          const setup = await openStore(spec); // creates the storage and migrates, untimed
          if (mode === "contended") {
            const { session, events } = makeSession(shared, 0, 10, { status: "active" });
            await setup.importSession(session, events);
          }
          await setup.close();
          const results = await race(spec, sessionsOf, procs, seconds, mode === "distinct");
          const ids = [...new Set(results.flatMap((_, w) => sessionsOf(w)))];
          const check = await verify(spec, ids, results);
          const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
          const ops = results.reduce((a, r) => a + r.ops - r.failed.length, 0);
          const wallS = Math.max(...results.map((r) => r.loopMs)) / 1e3;
          const perSec = ops / wallS;
          ctx.fig(`scale.${subject.id}.${mode}@${procs}`, {
            us: 1e6 / perSec, // µs per append across all processes, so ratios read as speed-ups
            perSec,
            ops,
            p50: quantile(latencies, 0.5),
            p99: quantile(latencies, 0.99),
            errors: results.reduce((a, r) => a + r.failed.length, 0),
            codes: [...new Set(results.flatMap((r) => r.codes))],
            ...check,
          });
          ctx.log(
            `scale ${subject.id} ${mode} ×${procs}: ${perSec.toFixed(0)} appends/s, p99 ${(quantile(latencies, 0.99) / 1e3).toFixed(2)} ms, lost ${check.lost}`,
          );
        } finally {
          await destroySpec(spec, ctx.pgAdmin);
        }
      }
    }
  }
}

const ms = (us) => (Number.isFinite(us) ? `${(us / 1e3).toFixed(2)} ms` : "–");

/** The scale-out table: one row per store and mode, appends/s and p99 per process count. */
export function renderScale(ctx) {
  const { procs, seconds } = scalePlan(ctx.quick);
  const rows = [];
  for (const s of scaleSubjects(ctx.subjects)) {
    for (const mode of MODES) {
      const figs = procs.map((n) => ctx.figures[`scale.${s.id}.${mode}@${n}`]);
      if (!figs.some(Boolean)) continue;
      const lost = figs.reduce((a, f) => a + (f?.lost ?? 0) + (f?.duplicates ?? 0), 0);
      const errors = figs.reduce((a, f) => a + (f?.errors ?? 0), 0);
      rows.push([
        `${s.label}, ${mode}`,
        ...figs.map((f) => (f ? `${f.perSec.toFixed(0)}/s · p99 ${ms(f.p99)}` : "–")),
        String(lost),
        errors ? `${errors} (${[...new Set(figs.flatMap((f) => f?.codes ?? []))].join(", ")})` : "0",
      ]);
    }
  }
  if (rows.length === 0) return "";
  return `### Scale-out: N processes appending for ${seconds} s (total appends/s · p99 of one commit; distinct = ${OWN_SESSIONS} own sessions per process, contended = one shared session)\n\n${table(["store, sessions", ...procs.map((n) => `${n} proc${n > 1 ? "s" : ""}`), "lost + duplicated", "errors"], rows)}`;
}

/** Rows of the "events lost" target table: one per store over every scale-out row. */
export function scaleLostRows(ctx) {
  const rows = [];
  for (const s of scaleSubjects(ctx.subjects)) {
    const figs = Object.entries(ctx.figures).filter(([k]) => k.startsWith(`scale.${s.id}.`));
    if (figs.length === 0) continue;
    const lost = figs.reduce((a, [, f]) => a + f.lost + f.duplicates, 0);
    const seqOk = figs.every(([, f]) => f.seqOk);
    rows.push([
      `events lost or duplicated, every scale-out row: ${s.label}`,
      `lost ${lost}`,
      "0",
      lost === 0 && seqOk ? "PASS" : "MISS",
    ]);
  }
  return rows;
}
