// Workload "cli": the built `sessionkit` binary as an operator runs it, wall time including Node's
// start. Figures: `list --limit 50` and `stats` over N sessions per store (median of rounds, the
// contenders interleaved), beside the raw primitives of the same run: a bare `node -e 0` (what any
// Node CLI pays before its first line) and the same list()/stats() through the store API in this
// process (what the store itself costs). Then `migrate` fs → PostgreSQL of S sessions / E events,
// SIGKILLed half-way and resumed (total wall of both runs, parity must be clean), beside the raw
// primitive: the same events as multi-row INSERTs into a bare PostgreSQL table.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { destroySpec, makeSpec, openStore } from "./adapters.mjs";
import { makeEvents, makeSession, sessionId } from "./data.mjs";
import { fmtUs, median, now, usSince } from "./measure.mjs";
import { table } from "./report.mjs";
import { seedStore, sharedDataSet } from "./seeding.mjs";

const BIN = fileURLToPath(new URL("../../packages/cli/dist/bin.js", import.meta.url));
/** The issue's goals, as figures the targets divide by. */
const GOALS = { "cli.goal.indexed": 150_000, "cli.goal.fs": 250_000, "cli.goal.migrate": 60e6 };
const LIST_STORES = ["fs", "sqlite", "postgres"];

/** Sessions per store for list/stats (the issue: fs at 10,000, SQLite and PostgreSQL at 100,000) and the migration's size. */
export function cliPlan(quick) {
  return quick
    ? { sessions: { fs: 500, sqlite: 500, postgres: 500 }, migrate: { sessions: 100, events: 20 }, rounds: 3 }
    : {
        sessions: { fs: 10_000, sqlite: 100_000, postgres: 100_000 },
        migrate: { sessions: 10_000, events: 100 },
        rounds: 5,
      };
}

/** The store URL the CLI opens for a bench spec. */
function urlOf(spec) {
  if (spec.adapter === "fs") return `fs:${spec.dir}`;
  if (spec.adapter === "sqlite") return `sqlite:${spec.filename}`;
  const url = new URL(spec.connectionString);
  url.searchParams.set("schema", spec.schema);
  return url.toString();
}

/** Wall time of one run of `node …args` in µs; throws unless it exits 0. */
function wall(args) {
  const t0 = now();
  const run = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const us = usSince(t0);
  if (run.status !== 0) throw new Error(`node ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
  return us;
}

/** Median wall time per contender, interleaved round by round so machine load drifts evenly. */
function interleaved(contenders, rounds) {
  const times = new Map(contenders.map(([key]) => [key, []]));
  for (let r = 0; r < rounds + 1; r++) {
    for (const [key, args] of contenders) {
      const us = wall(args);
      if (r > 0) times.get(key).push(us);
    }
  }
  return Object.fromEntries(
    [...times].map(([key, us]) => [
      key,
      { us: median(us), min: Math.min(...us), max: Math.max(...us), rounds },
    ]),
  );
}

/** list/stats over the run's shared data set of the store (seeding.mjs: seeded once, also used by query and ui). */
async function listAndStats(ctx, subject, total, rounds) {
  const { spec } = await sharedDataSet(ctx, subject, total);
  const store = await openStore(spec);
  try {
    for (const [op, fn] of [
      ["list", () => store.list({ limit: 50 })],
      ["stats", () => store.stats()],
    ]) {
      const us = [];
      for (let r = 0; r < rounds + 1; r++) {
        const t0 = now();
        await fn();
        if (r > 0) us.push(usSince(t0));
      }
      ctx.fig(`cli.api.${op}.${subject.id}@${total}`, { us: median(us), rounds });
    }
  } finally {
    await store.close();
  }
  const url = urlOf(spec);
  const figures = interleaved(
    [
      ["cli.node", ["-e", "0"]],
      [`cli.list.${subject.id}@${total}`, [BIN, "--store", url, "list", "--limit", "50"]],
      [`cli.stats.${subject.id}@${total}`, [BIN, "--store", url, "stats"]],
    ],
    rounds,
  );
  for (const [key, figure] of Object.entries(figures)) {
    if (key === "cli.node") ctx.fig(`cli.node.${subject.id}`, figure);
    else ctx.fig(key, figure);
  }
  ctx.log(
    `cli: ${subject.id}@${total} list ${fmtUs(figures[`cli.list.${subject.id}@${total}`].us)}, stats ${fmtUs(figures[`cli.stats.${subject.id}@${total}`].us)}, node -e 0 ${fmtUs(figures["cli.node"].us)}`,
  );
}

/** Runs `sessionkit migrate`, SIGKILLs it once half the sessions are checkpointed, resumes it. */
async function killAndResume(args, checkpoint, half) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: "ignore" });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let killed = false;
  while (!killed) {
    const state = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 25, null))]);
    if (state) throw new Error(`migrate ended before it could be killed (${JSON.stringify(state)})`);
    try {
      if (JSON.parse(fs.readFileSync(checkpoint, "utf8")).sessions >= half) killed = child.kill("SIGKILL");
    } catch {}
  }
  await exited;
  const resumed = spawnSync(process.execPath, [BIN, ...args, "--resume"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (resumed.status !== 0) throw new Error(`migrate --resume exited ${resumed.status}: ${resumed.stderr}`);
  return JSON.parse(resumed.stdout);
}

/** The raw primitive: the same events as 1,000-row INSERTs into a bare table (no store, no checks). */
async function bareInserts(ctx, sessions, events) {
  const schema = `skbench_${process.pid}_cli_prim`;
  const pg = ctx.pgAdmin;
  await pg.query(`CREATE SCHEMA "${schema}"`);
  try {
    await pg.query(
      `CREATE TABLE "${schema}".events (session_id text, seq int, timestamp text, type text, data jsonb, PRIMARY KEY (session_id, seq))`,
    );
    const t0 = now();
    let rows = [];
    const flush = async () => {
      if (rows.length === 0) return;
      const values = rows.map(
        (_, k) => `($${k * 5 + 1},$${k * 5 + 2},$${k * 5 + 3},$${k * 5 + 4},$${k * 5 + 5})`,
      );
      await pg.query(`INSERT INTO "${schema}".events VALUES ${values.join(",")}`, rows.flat());
      rows = [];
    };
    for (let i = 0; i < sessions; i++) {
      for (const e of makeEvents(events)) {
        rows.push([sessionId("m", i), e.seq, e.timestamp, e.type, JSON.stringify(e.data)]);
        if (rows.length === 1000) await flush();
      }
    }
    await flush();
    return usSince(t0);
  } finally {
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
}

async function migrate(ctx, { sessions, events }) {
  const source = makeSpec("fs", ctx.runDir, "cli_migrate_from", {});
  const target = makeSpec("postgres", ctx.runDir, "cli_migrate_to", {});
  try {
    await seedStore(source, sessions, (i) => makeSession(sessionId("m", i), i, events));
    const checkpoint = path.join(ctx.runDir, "cli-migrate.json");
    // 10 batches at least, so the kill lands between checkpoints.
    const batch = String(Math.min(200, Math.max(1, Math.floor(sessions / 10))));
    const args = [
      "--json",
      "migrate",
      "--from",
      urlOf(source),
      "--to",
      urlOf(target),
      "--batch",
      batch,
      "--checkpoint",
      checkpoint,
    ];
    const t0 = now();
    const report = await killAndResume(args, checkpoint, sessions / 2);
    const us = usSince(t0);
    if (!report.clean || report.sessions.target !== sessions || report.events.target !== sessions * events)
      throw new Error(`migrate parity not clean: ${JSON.stringify({ ...report, checksums: undefined })}`);
    ctx.fig(`cli.migrate@${sessions}`, { us, sessions, events: sessions * events, batches: report.batches });
    ctx.fig(`cli.migrate.prim@${sessions}`, { us: await bareInserts(ctx, sessions, events) });
    ctx.log(
      `cli: migrate ${sessions} sessions / ${sessions * events} events, killed and resumed: ${fmtUs(us)}, parity clean`,
    );
  } finally {
    await destroySpec(source, ctx.pgAdmin);
    await destroySpec(target, ctx.pgAdmin);
  }
}

export async function runCli(ctx) {
  if (!fs.existsSync(BIN)) {
    ctx.unavailable.push({ id: "cli", reason: `${BIN} is not built (pnpm --filter @sessionkit/cli build)` });
    return;
  }
  const plan = cliPlan(ctx.quick);
  for (const [key, us] of Object.entries(GOALS)) ctx.fig(key, { us });
  for (const id of LIST_STORES) {
    const subject = ctx.subjects.find((s) => s.id === id);
    if (subject) await listAndStats(ctx, subject, plan.sessions[id], plan.rounds);
  }
  if (ctx.has("fs") && ctx.has("postgres")) await migrate(ctx, plan.migrate);
}

/** The issue's goals: list/stats wall time with Node's start, and the killed-and-resumed migration. */
export function cliTargets({ quick }) {
  const { sessions, migrate: m } = cliPlan(quick);
  return [
    ...LIST_STORES.flatMap((id) =>
      ["list", "stats"].map((op) => ({
        id: `cli-${op}-${id}`,
        label: `\`sessionkit ${op === "list" ? "list --limit 50" : "stats"}\` on ${id} @${sessions[id]} sessions, wall incl. Node start, vs the ${id === "fs" ? 250 : 150} ms goal`,
        num: `cli.${op}.${id}@${sessions[id]}`,
        den: id === "fs" ? "cli.goal.fs" : "cli.goal.indexed",
        op: "<=",
        target: 1,
      })),
    ),
    {
      id: "cli-migrate",
      label: `\`sessionkit migrate\` fs → postgres, ${m.sessions} sessions / ${m.sessions * m.events} events, SIGKILLed half-way + --resume, vs the 60 s goal`,
      num: `cli.migrate@${m.sessions}`,
      den: "cli.goal.migrate",
      op: "<=",
      target: 1,
    },
  ];
}

/** Informational: the CLI against the bare Node start and the bare INSERTs. */
export function cliInfo({ quick }) {
  const { sessions, migrate: m } = cliPlan(quick);
  return [
    ...LIST_STORES.map((id) => ({
      id: `cli-list-${id}-vs-node`,
      label: `\`sessionkit list\` on ${id} @${sessions[id]} vs bare \`node -e 0\``,
      num: `cli.list.${id}@${sessions[id]}`,
      den: `cli.node.${id}`,
    })),
    {
      id: "cli-migrate-vs-prim",
      label: `migrate (killed + resumed, parity) vs bare 1,000-row INSERTs of the same ${m.sessions * m.events} events`,
      num: `cli.migrate@${m.sessions}`,
      den: `cli.migrate.prim@${m.sessions}`,
    },
  ];
}

/** The CLI's table: wall times beside the bare Node start and the store's own call. */
export function renderCli(ctx) {
  const { sessions, migrate: m } = cliPlan(ctx.quick);
  const F = ctx.figures;
  const rows = [];
  for (const id of LIST_STORES) {
    const n = sessions[id];
    if (!F[`cli.list.${id}@${n}`]) continue;
    rows.push([
      id,
      String(n),
      fmtUs(F[`cli.list.${id}@${n}`].us),
      fmtUs(F[`cli.stats.${id}@${n}`]?.us),
      fmtUs(F[`cli.node.${id}`]?.us),
      fmtUs(F[`cli.api.list.${id}@${n}`]?.us),
      fmtUs(F[`cli.api.stats.${id}@${n}`]?.us),
    ]);
  }
  const out = [];
  if (rows.length > 0)
    out.push(
      `### \`sessionkit\` CLI: wall time of one run including Node's start (median of ${cliPlan(ctx.quick).rounds}, interleaved)\n\n${table(["store", "sessions", "list --limit 50", "stats", "bare node -e 0", "store.list({ limit: 50 }) in-process", "store.stats() in-process"], rows)}`,
    );
  const mig = F[`cli.migrate@${m.sessions}`];
  if (mig)
    out.push(
      `### \`sessionkit migrate\` fs → postgres, SIGKILLed half-way and resumed\n\n${table(["sessions", "events", "batches", "wall, both runs", "bare INSERTs of the events"], [[String(m.sessions), String(mig.events), String(mig.batches), fmtUs(mig.us), fmtUs(F[`cli.migrate.prim@${m.sessions}`]?.us)]])}`,
    );
  return out.join("\n\n");
}
