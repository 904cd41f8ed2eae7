// Workload "retention": applyRetention over 100,000 old completed sessions / 1,000,000 events on
// SQLite (the issue's row), a writer in another process appending to a live session all the while.
// Figures: the run's wall time and this process's CPU, the writer's slowest append during the run
// (how long a chunk's transaction held it up), and how much of the space the run freed the file
// gave back (freed = the file before minus a VACUUMed copy after: the least that holds what is left).
import { fork } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { destroySpec, makeSpec, openStore } from "./adapters.mjs";
import { BASE_MS, makeSession, sessionId } from "./data.mjs";
import { fmtBytes, fmtUs, now, usSince } from "./measure.mjs";
import { seedStore } from "./seeding.mjs";

const WRITER = fileURLToPath(new URL("../workers/retention-writer.mjs", import.meta.url));
const DAY = 86_400_000;
const EVENTS = 10;

export const retentionSize = (quick) => (quick ? 2000 : 100_000);

/** Session i: completed, last changed on day 0 (a 7-day policy removes it); the last one is the writer's, active and new. */
function makeFor(total) {
  return (i) =>
    i < total
      ? makeSession(sessionId("r", i), i, EVENTS, { status: "completed" })
      : makeSession(sessionId("r", i), i, 1, {
          status: "active",
          createdAt: new Date(BASE_MS + 100 * DAY).toISOString(),
        });
}

function startWriter(spec, id) {
  const child = fork(WRITER, [JSON.stringify(spec), id], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const messages = [];
  let wake = () => {};
  child.on("message", (m) => {
    messages.push(m);
    wake();
  });
  const next = () =>
    new Promise((resolve, reject) => {
      const take = () => (messages.length ? resolve(messages.shift()) : null);
      if (take() !== null) return;
      wake = () => take();
      child.once("exit", (code) => reject(new Error(`retention writer exited ${code}`)));
    });
  return { child, next };
}

/**
 * The size of the smallest file that holds what `file` holds: VACUUM INTO a copy (WAL content
 * included). A copyFileSync of the 28 MB file spun in the kernel for 20 minutes here, once.
 */
function vacuumedSize(Database, file) {
  const copy = `${file}.vacuumed`;
  fs.rmSync(copy, { force: true });
  const db = new Database(file, { readonly: true });
  try {
    db.prepare("VACUUM INTO ?").run(copy);
  } finally {
    db.close();
  }
  const size = fs.statSync(copy).size;
  fs.rmSync(copy, { force: true });
  return size;
}

export async function runRetention(ctx) {
  const subject = ctx.subjects.find((s) => s.id === "sqlite");
  if (!subject) return;
  const { createSessionManager } = await import("@sessionkit/core");
  const Database = (await import("better-sqlite3")).default;
  const total = retentionSize(ctx.quick);
  const spec = makeSpec("sqlite", ctx.runDir, "retention", subject.options);
  try {
    const t0 = now();
    await seedStore(spec, total + 1, makeFor(total));
    ctx.log(
      `retention: seeded ${total} sessions / ${total * EVENTS} events in ${(usSince(t0) / 1e6).toFixed(1)} s`,
    );
    const before = fs.statSync(spec.filename).size;
    const writer = startWriter(spec, sessionId("r", total));
    await writer.next();
    const store = await openStore(spec);
    const clock = { now: () => BASE_MS + 200 * DAY };
    const manager = createSessionManager({ store, clock });
    let result;
    let wallUs;
    let cpuUs;
    try {
      const cpu0 = process.cpuUsage();
      const t1 = now();
      result = await manager.applyRetention({ policies: [{ when: { olderThan: "7d" }, action: "delete" }] });
      wallUs = usSince(t1);
      const cpu = process.cpuUsage(cpu0);
      cpuUs = cpu.user + cpu.system;
    } finally {
      writer.child.send("stop");
      await manager.close();
      await store.close();
    }
    const written = await writer.next();
    if (result.removed.length !== total)
      throw new Error(`retention removed ${result.removed.length}, expected ${total}`);
    const after = fs.statSync(spec.filename).size;
    const least = vacuumedSize(Database, spec.filename);
    const freed = before - least;
    const gaveBack = (before - after) / freed;
    ctx.fig(`retention.sqlite@${total}`, { us: wallUs, cpuUs, rounds: 1, ops: 1, count: total });
    ctx.fig(`retention.sqlite.cpu@${total}`, { us: cpuUs, rounds: 1, ops: 1 });
    ctx.fig(`retention.sqlite.writer-max@${total}`, {
      us: written.maxMs * 1000,
      p99: written.p99Ms * 1000,
      appends: written.count,
      rounds: 1,
      ops: 1,
    });
    // A ratio as a figure: the evaluator divides `us` values, so the shrink is held as a fraction.
    ctx.fig(`retention.sqlite.gave-back@${total}`, { us: gaveBack, before, after, least });
    ctx.log(
      `retention: ${total} removed in ${(wallUs / 1e6).toFixed(1)} s (CPU ${(cpuUs / 1e6).toFixed(1)} s), writer max ${written.maxMs.toFixed(1)} ms over ${written.count} appends, file ${fmtBytes(before)} → ${fmtBytes(after)} (least ${fmtBytes(least)})`,
    );
  } finally {
    await destroySpec(spec, ctx.pgAdmin);
  }
  ctx.fig("retention.limit.wall", { us: 10_000_000 });
  ctx.fig("retention.limit.writer", { us: 50_000 });
  ctx.fig("retention.limit.gave-back", { us: 0.8 });
}

/** Targets (issue 21): under 10 s, no writer blocked more than 50 ms, the file gives back ≥ 80 % of what was freed. */
export function retentionTargets({ quick }) {
  const n = retentionSize(quick);
  return [
    {
      id: "retention-sqlite-wall",
      label: `sqlite applyRetention of ${n.toLocaleString("en")} sessions / ${(n * EVENTS).toLocaleString("en")} events (wall) vs 10 s`,
      num: `retention.sqlite@${n}`,
      den: "retention.limit.wall",
      op: "<=",
      target: 1,
    },
    {
      id: "retention-sqlite-writer",
      label: "sqlite: slowest append of a writer in another process during that run vs 50 ms",
      num: `retention.sqlite.writer-max@${n}`,
      den: "retention.limit.writer",
      op: "<=",
      target: 1,
    },
    {
      id: "retention-sqlite-shrink",
      label: "sqlite: bytes the file gave back ÷ bytes freed, vs 80 %",
      num: `retention.sqlite.gave-back@${n}`,
      den: "retention.limit.gave-back",
      op: ">=",
      target: 1,
    },
  ];
}

/** The workload's table. */
export function renderRetention(ctx, table) {
  const n = retentionSize(ctx.quick);
  const F = ctx.figures;
  const run = F[`retention.sqlite@${n}`];
  const writer = F[`retention.sqlite.writer-max@${n}`];
  const shrink = F[`retention.sqlite.gave-back@${n}`];
  if (!run || !writer || !shrink) return null;
  return `### Retention (sqlite, ${n.toLocaleString("en")} completed sessions × ${EVENTS} events, policy delete olderThan 7d, a writer appending in another process)\n\n${table(
    [
      "wall",
      "CPU (this process)",
      "writer: slowest append",
      "writer: p99",
      "appends",
      "file before → after",
      "least file after (VACUUM)",
      "gave back / freed",
    ],
    [
      [
        fmtUs(run.us),
        fmtUs(run.cpuUs),
        fmtUs(writer.us),
        fmtUs(writer.p99),
        `${writer.appends}`,
        `${fmtBytes(shrink.before)} → ${fmtBytes(shrink.after)}`,
        fmtBytes(shrink.least),
        `${(shrink.us * 100).toFixed(1)} %`,
      ],
    ],
  )}`;
}
