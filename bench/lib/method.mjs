// The "Method" section of BENCHMARKS.md, and what is known about each missed target.
import { appendPlan, readPlan } from "./w-append.mjs";
import { cleanupSize } from "./w-cleanup.mjs";
import { concPlan } from "./w-conc.mjs";
import { querySizes } from "./w-query.mjs";

export function methodText(ctx) {
  const plan = appendPlan(ctx.quick)
    .map((p) => `${p.n} (${p.ops} appends over ${p.ops / 10} sessions)`)
    .join(", ");
  const sizes = querySizes(ctx.quick);
  const conc = concPlan(ctx.quick);
  return [
    `- Timing: \`process.hrtime.bigint()\` around a loop of N operations; ${ctx.warmup} warm-up round and ${ctx.rounds} counted rounds per figure (unless stated); a figure is the **median of the per-round means** (µs per op). All rounds run in one process; the stores run in-process and are opened once per figure.`,
    "- Every store is the built npm package (`@sessionkit/store-*` `dist/`), opened with its default options unless stated (`fs (durability none)` is `createFsStore({ dir, durability: \"none\" })`). Embedded stores (memory, fs, SQLite) are measured through both faces: `store.sync()` and the promise API; PostgreSQL has only the promise API. Comparisons use the same face on both sides (sync vs the seed's and the bare primitives' sync code; async vs LangGraph's async put).",
    `- **Append** = \`commit(id, { events: [{ type: "tool_call", data }] })\` with ~200 B of data, at history ${plan}. Each round imports fresh sessions at that history (untimed) and appends round-robin, so a session grows by 10 events per round and its history stays ≈ n. The event data objects are built before the timer; serialising them is timed.`,
    "- **Seed algorithm** (`bench/baseline-seed.mjs`, written here for comparison): the seed module's store rebuilt from `research/seed-behaviour.md`: `<dir>/<id>/session.json` pretty-printed with `JSON.stringify(s, null, 2)` and rewritten in place with `writeFileSync` on every change, no lock; list and stats `readdirSync` and read + parse every file; cleanup lists everything then `rmSync`s. Its append is `addEvent` (get, push, save) with no webhook configured.",
    "- **Bare primitives**: fs: proper-lockfile `lockSync`/`unlockSync` (`realpath: false`) around `appendFileSync` of one JSONL line (plus `fdatasync` to match the fs store's default durability); SQLite: one prepared `INSERT` of one event row in autocommit, WAL, the store's `synchronous` level, table keyed `(session_id, seq)`; PostgreSQL: one named prepared `INSERT` round-trip with `pg` (autocommit), table keyed `(session_id, seq)`, JSONB data.",
    `- **Read**: \`get(id)\` and \`getWithHistory(id)\` round-robin over 10 sessions at history ${readPlan(ctx.quick).join(" and ")}; the seed reads the whole file either way.`,
    `- **List / stats at scale**: ${sizes.fs} sessions for the seed, memory and fs; ${sizes.sqlite} for SQLite and PostgreSQL (3 events each; 100 users; all five statuses per user). List = \`list({ userId, status, createdAfter, limit: 10 })\` (answers checked against the generator); stats = \`stats()\` over everything. Warm page cache. Seeding (untimed) goes through \`importSession\`: the sync face for embedded stores (fs seeds with durability none: same files), 16 imports in flight for PostgreSQL. The seed's scan is timed for 1 warm-up + 3 rounds of one call.`,
    `- **Concurrency**: ${conc.procs} forked processes, each opening its own store, wait at a start gate, then each awaits ${conc.events} \`commit\`s of one event to the same session. Wall time runs from "go" to the last worker's "done"; ${conc.rounds} rounds, median shown. Afterwards the history is read back: lost = ${conc.procs * conc.events} − distinct (worker, i) pairs found; seq must be 1..n without gaps.`,
    `- **Cleanup**: ${cleanupSize(ctx.quick)} terminal sessions last changed 50+ days before the cutoff among as many recent ones; one \`prune({ olderThan, statuses: [completed, failed, timeout] })\` is timed (sync face where there is one), fresh data each round (1 warm-up + 3 rounds). The seed runs \`cleanupOldSessions(maxAgeMs)\`.`,
    `- **Peak memory**: a fresh child process (\`--expose-gc\`) opens the store, runs \`count()\`, collects garbage, notes RSS, then walks \`list({ limit: 1000, cursor })\` over ${sizes.walk} sessions (on the 100k data sets: the newest ${sizes.walk}, a \`createdAfter\` bound); peak = \`process.resourceUsage().maxRSS\`. The seed child calls \`listSessions()\` once.`,
    "- **LangGraph peer**: `SqliteSaver.fromConnString(file)` + `setup()`; one more agent step = `put` of a checkpoint whose `channel_values.messages` holds the whole history (n messages of ~210 B, oldest dropped, newest appended, so n stays fixed), chained to the previous config, new `uuid6` id each step; only the awaited `put` is timed. `getTuple` of the latest checkpoint is shown under Read. Method after `research/perf/peer-langgraph-sqlite.md`.",
    "- fsync on this VM is cheap (~0.1–0.2 ms; the host absorbs flushes, see `research/perf-anchors.md`), so every durable figure is a lower bound on other disks.",
  ].join("\n");
}

/** Known reasons for missed targets, filled in from profiling; shown under the targets table. */
const KNOWN = {};

export function missNotes(targets, ctx) {
  const missed = targets.filter((t) => t.status === "MISS");
  if (missed.length === 0) return "Every target with figures in this run passed.";
  const lines = ["### Missed targets", ""];
  for (const t of missed) {
    const why = KNOWN[t.id.replace(/-\d+$/, "")]?.(t, ctx.figures) ?? "cause not analysed yet.";
    lines.push(
      `- **${t.label}**: ${t.value.toFixed(2)}× against ${t.op === ">=" ? "≥" : "≤"} ${t.target}×. ${why}`,
    );
  }
  return lines.join("\n");
}
