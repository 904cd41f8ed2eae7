// Turns the figures of a run into markdown tables (printed, and written to BENCHMARKS.md on a full run).
import { fmtBytes, fmtRatio, fmtUs } from "./measure.mjs";
import { nextGoal } from "./targets.mjs";
import { appendPlan, readPlan } from "./w-append.mjs";
import { cleanupSize } from "./w-cleanup.mjs";
import { renderCli } from "./w-cli.mjs";
import { concPlan } from "./w-conc.mjs";
import { renderInbox } from "./w-inbox.mjs";
import { renderOwnership } from "./w-ownership.mjs";
import { querySizes } from "./w-query.mjs";
import { renderRetention } from "./w-retention.mjs";
import { renderScale, scaleLostRows } from "./w-scale.mjs";
import { renderUi } from "./w-ui.mjs";
import { renderWatch } from "./w-watch.mjs";

export function table(header, rows) {
  const lines = [
    `| ${header.join(" | ")} |`,
    `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
  ];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
}

const cell = (f) => (f ? fmtUs(f.us) : "–");

const APPEND_ROWS = [
  ["append.seed", "seed algorithm: read + parse + rewrite session.json (sync, no lock)"],
  ["append.prim.lock", "bare: lockSync + appendFileSync + unlockSync"],
  ["append.prim.lock-fsync", "bare: lockSync + append + fdatasync + unlockSync"],
  ["append.prim.lock.async", "bare async: lock() + append + release()"],
  ["append.prim.lock-fsync.async", "bare async: lock() + append + fdatasync + release()"],
  ["append.prim.bare-fsync", "bare: open + append + fdatasync, no lock"],
  ["append.prim.memory", "bare: structuredClone(event) pushed onto an in-memory array"],
  ["append.prim.sqlite", "bare: prepared INSERT, autocommit (better-sqlite3)"],
  ["append.prim.pg", "bare: INSERT round-trip to PostgreSQL (pg, prepared)"],
];

export function subjectRows(subjects, prefix) {
  const rows = [];
  for (const s of subjects) {
    if (s.adapter !== "postgres" && s.adapter !== "redis")
      rows.push([`${prefix}.${s.id}.sync`, `${s.label}, sync face`]);
    rows.push([`${prefix}.${s.id}.async`, `${s.label}, async face`]);
  }
  return rows;
}

export function renderTables(ctx) {
  const F = ctx.figures;
  const out = [];
  const has = (key) => key in F;

  const ns = appendPlan(ctx.quick).map((p) => p.n);
  const appendRows = [...APPEND_ROWS, ...subjectRows(ctx.subjects, "append")]
    .filter(([k]) => ns.some((n) => has(`${k}@${n}`)))
    .map(([k, label]) => [label, ...ns.map((n) => cell(F[`${k}@${n}`]))]);
  if (ns.some((n) => has(`peer.put@${n}`))) {
    appendRows.push([
      "LangGraph `SqliteSaver.put` (one more step, whole history)",
      ...ns.map((n) => cell(F[`peer.put@${n}`])),
    ]);
  }
  if (ns.some((n) => has(`peerpg.put@${n}`))) {
    appendRows.push([
      "LangGraph `PostgresSaver.put` (one more step, whole history)",
      ...ns.map((n) => cell(F[`peerpg.put@${n}`])),
    ]);
  }
  out.push(
    `### Append one event (median µs per append; columns: events already in the history)\n\n${table(["subject", ...ns.map((n) => `@${n}`)], appendRows)}`,
  );

  const rns = readPlan(ctx.quick);
  const readRows = [
    [
      "seed: getSession (always the whole file)",
      ...rns.flatMap((n) => [cell(F[`read.seed@${n}`]), cell(F[`read.seed@${n}`])]),
    ],
  ];
  for (const [k, label] of subjectRows(ctx.subjects, "x")) {
    const face = k.split(".").pop();
    const id = k.split(".")[1];
    if (!rns.some((n) => has(`get.${id}.${face}@${n}`))) continue;
    readRows.push([
      label,
      ...rns.flatMap((n) => [cell(F[`get.${id}.${face}@${n}`]), cell(F[`hist.${id}.${face}@${n}`])]),
    ]);
  }
  if (rns.some((n) => has(`peer.get@${n}`))) {
    readRows.push([
      "LangGraph `getTuple` (latest checkpoint)",
      ...rns.flatMap((n) => ["–", cell(F[`peer.get@${n}`])]),
    ]);
  }
  out.push(
    `### Read one session (median µs per read)\n\n${table(["subject", ...rns.flatMap((n) => [`get @${n}`, `getWithHistory @${n}`])], readRows)}`,
  );

  const sizes = querySizes(ctx.quick);
  const qRows = [
    [
      "seed: listSessions / getSessionStats (read + parse every file)",
      String(sizes.seed),
      cell(F[`list.seed@${sizes.seed}`]),
      cell(F[`stats.seed@${sizes.seed}`]),
    ],
  ];
  for (const s of ctx.subjects) {
    const n = sizes[s.adapter];
    for (const face of ["sync", "async"]) {
      if (!has(`list.${s.id}.${face}@${n}`)) continue;
      qRows.push([
        `${s.label}, ${face} face`,
        String(n),
        cell(F[`list.${s.id}.${face}@${n}`]),
        cell(F[`stats.${s.id}.${face}@${n}`]),
      ]);
    }
  }
  out.push(
    `### Filtered list (userId + status + createdAfter, limit 10) and stats() (median per call)\n\n${table(["subject", "sessions", "list", "stats"], qRows)}`,
  );

  const { procs, events } = concPlan(ctx.quick);
  const cRows = [];
  for (const id of ["seed", ...ctx.subjects.map((s) => s.id)]) {
    const c = F[`conc.${id}`];
    if (!c) continue;
    const label = id === "seed" ? "seed algorithm (no lock)" : ctx.subjects.find((s) => s.id === id).label;
    cRows.push([
      label,
      `${(c.wallMs / 1e3).toFixed(2)} s (${(c.minMs / 1e3).toFixed(2)}–${(c.maxMs / 1e3).toFixed(2)})`,
      `lost ${c.lost.join(", ")}`,
      c.errors.join(", "),
      c.codes.join(", ") || "–",
      c.corrupt ? "torn file" : c.seqOk ? "ok" : "gaps/dups",
    ]);
  }
  out.push(
    `### ${procs} processes × ${events} appends to one session (async commit; median wall of ${concPlan(ctx.quick).rounds} rounds)\n\n${table(["subject", "wall (min–max)", "events lost per round", "errors per round", "error codes", "seq"], cRows)}`,
  );

  const old = cleanupSize(ctx.quick);
  const clRows = [];
  for (const id of ["seed", ...ctx.subjects.map((s) => s.id)]) {
    const f = F[`cleanup.${id}@${old}`];
    if (!f) continue;
    const label =
      id === "seed"
        ? "seed: cleanupOldSessions (list + parse all, rmSync)"
        : ctx.subjects.find((s) => s.id === id).label;
    clRows.push([label, fmtUs(f.us), fmtUs(f.us / old), `${fmtUs(f.min)}–${fmtUs(f.max)}`]);
  }
  out.push(
    `### Cleanup of ${old} old sessions among ${old * 2} (one prune; sync face where there is one)\n\n${table(["subject", "per cleanup", "per session removed", "rounds min–max"], clRows)}`,
  );

  const mRows = [];
  for (const id of ["seed", ...ctx.subjects.map((s) => s.id)]) {
    const m = F[`mem.${id}@${sizes.walk}`];
    if (!m) continue;
    const label =
      id === "seed"
        ? "seed: listSessions() (loads every session)"
        : `${ctx.subjects.find((s) => s.id === id).label}: cursor walk, pages of 1000`;
    mRows.push([
      label,
      String(m.count),
      fmtBytes(m.idleRss),
      fmtBytes(m.maxRss),
      fmtBytes(Math.max(0, m.peakOverIdle)),
      `${m.ms.toFixed(0)} ms`,
    ]);
  }
  out.push(
    `### Peak memory while listing ${sizes.walk} sessions (fresh child process)\n\n${table(["subject", "listed", "RSS before", "peak RSS (maxRSS)", "peak − before", "walk time"], mRows)}`,
  );

  out.push(renderScale(ctx));
  out.push(renderOwnership(ctx, table));
  out.push(renderUi(ctx));
  out.push(renderCli(ctx));
  out.push(renderWatch(ctx, table));
  out.push(renderRetention(ctx, table));
  out.push(renderInbox(ctx, table));
  return out.filter(Boolean).join("\n\n");
}

const goalText = (op, goal, unit) => `${op === ">=" ? "≥" : "≤"} ${goal}${unit ?? "×"}`;

/** The targets table; a met target gets a raised goal for the next round (see `nextGoal`). */
export function renderRatios(rows) {
  return table(
    ["comparison", "ratio", "target", "result", "next round"],
    rows.map((r) => {
      const next = nextGoal(r);
      return [
        r.label,
        r.unit === " µs" ? fmtUs(r.value) : fmtRatio(r.value),
        r.target === undefined ? "–" : goalText(r.op, r.target, r.unit),
        r.status || "info",
        next === undefined ? (r.status === "MISS" ? "(target stands)" : "–") : goalText(r.op, next, r.unit),
      ];
    }),
  );
}

export function renderLost(ctx) {
  const rows = [];
  for (const s of ctx.subjects) {
    const c = ctx.figures[`conc.${s.id}`];
    if (!c) continue;
    const lost = Math.max(...c.lost);
    rows.push([
      `events lost, ${c.procs} processes × ${c.events} appends: ${s.label}`,
      `lost ${lost}`,
      "0",
      lost === 0 && c.seqOk ? "PASS" : "MISS",
    ]);
  }
  rows.push(...scaleLostRows(ctx));
  // Zero lost is the floor: the goal cannot be raised.
  return rows.map((row) => [...row, "0"]);
}
