// The "Method" section of BENCHMARKS.md, and what is known about each missed target.
import { fmtBytes, fmtUs } from "./measure.mjs";
import { appendPlan, readPlan } from "./w-append.mjs";
import { cleanupSize } from "./w-cleanup.mjs";
import { concPlan } from "./w-conc.mjs";
import { querySizes } from "./w-query.mjs";

export function methodText(ctx) {
  const plan = appendPlan(ctx.quick)
    .map(
      (p) =>
        `${p.n} (${p.rounds ?? ctx.rounds} rounds of ${p.ops} appends over ${p.k} sessions; the seed algorithm ${p.seedOps})`,
    )
    .join(", ");
  const sizes = querySizes(ctx.quick);
  const conc = concPlan(ctx.quick);
  return [
    `- Timing: \`process.hrtime.bigint()\` around a loop of N operations; ${ctx.warmup} warm-up round and ${ctx.rounds} counted rounds per figure (append at 1,000 and 5,000 events: 3); a figure is the **median of the per-round means** (µs per op), so periodic costs (checkpoints, WAL checkpoints) are included. All subjects of one workload and size are measured **in alternation** (each round runs every subject once, in a rotating order), so load that drifts during the run hits them alike. Append rounds start after \`sync(1)\`, so writeback of untimed setup data does not land in a timed loop. The stores run in-process.`,
    "- Every store is the built npm package (`@sessionkit/store-*` `dist/`), opened with its default options unless stated (`fs (durability none)` is `createFsStore({ dir, durability: \"none\" })`). Embedded stores (memory, fs, SQLite) are measured through both faces: `store.sync()` and the promise API; PostgreSQL has only the promise API. Comparisons use the same face on both sides (sync vs the seed's and the bare primitives' sync code; async vs LangGraph's async put).",
    `- **Append** = \`commit(id, { events: [{ type: "tool_call", data }] })\` with ~200 B of data, at history ${plan}. Each round imports fresh sessions at that history (untimed; for SQLite the WAL is then checkpointed) and appends round-robin, so a session grows by at most 2% (10 events for the seed algorithm) and its history stays ≈ n. The event data objects are built before the timer; serialising them is timed. The LangGraph puts of one size are interleaved with these appends.`,
    "- **Seed algorithm** (`bench/baseline-seed.mjs`, written here for comparison): the seed module's store rebuilt from `research/seed-behaviour.md`: `<dir>/<id>/session.json` pretty-printed with `JSON.stringify(s, null, 2)` and rewritten in place with `writeFileSync` on every change, no lock; list and stats `readdirSync` and read + parse every file; cleanup lists everything then `rmSync`s. Its append is `addEvent` (get, push, save) with no webhook configured.",
    "- **Bare primitives**: fs: proper-lockfile `lockSync`/`unlockSync` (`realpath: false`) around `appendFileSync` of one JSONL line (plus `fdatasync` to match the fs store's default durability), and open + append + `fdatasync` with no lock at all (the floor of a durable fs append); SQLite: one prepared `INSERT` of one event row in autocommit, WAL, the store's `synchronous` level, table keyed `(session_id, seq)`; PostgreSQL: one named prepared `INSERT` round-trip with `pg` (autocommit), table keyed `(session_id, seq)`, JSONB data.",
    `- **Read**: \`get(id)\` and \`getWithHistory(id)\` round-robin over 10 sessions at history ${readPlan(ctx.quick).join(" and ")}; the seed reads the whole file either way.`,
    `- **List / stats at scale**: ${sizes.fs} sessions for the seed, memory and fs; ${sizes.sqlite} for SQLite and PostgreSQL (3 events each; 100 users; all five statuses per user). List = \`list({ userId, status, createdAfter, limit: 10 })\` (answers checked against the generator); stats = \`stats()\` over everything. Warm page cache. Seeding (untimed) goes through \`importSession\`: the sync face for embedded stores (fs seeds with durability none: same files), 16 imports in flight for PostgreSQL. Every list/stats subject runs in alternation with the others; the seed's scan is one call per round, the others as many calls as fit in ~200 ms.`,
    `- **Concurrency**: ${conc.procs} forked processes, each opening its own store, wait at a start gate, then each awaits ${conc.events} \`commit\`s of one event to the same session. Wall time runs from "go" to the last worker's "done"; ${conc.rounds} rounds, median shown. Afterwards the history is read back: lost = ${conc.procs * conc.events} − distinct (worker, i) pairs found; seq must be 1..n without gaps.`,
    `- **Cleanup**: ${cleanupSize(ctx.quick)} terminal sessions last changed 50+ days before the cutoff among as many recent ones; one \`prune({ olderThan, statuses: [completed, failed, timeout] })\` is timed (sync face where there is one), fresh data each round (1 warm-up + 3 rounds). The seed runs \`cleanupOldSessions(maxAgeMs)\`.`,
    `- **Peak memory**: a fresh child process (\`--expose-gc\`) opens the store, runs \`count()\`, collects garbage, notes RSS, then walks \`list({ limit: 1000, cursor })\` over ${sizes.walk} sessions (on the 100k data sets: the newest ${sizes.walk}, a \`createdAfter\` bound); peak = \`process.resourceUsage().maxRSS\`. The seed child calls \`listSessions()\` once.`,
    "- **LangGraph peer**: `SqliteSaver.fromConnString(file)` + `setup()`; one more agent step = `put` of a checkpoint whose `channel_values.messages` holds the whole history (n messages of ~210 B, oldest dropped, newest appended, so n stays fixed), chained to the previous config, new `uuid6` id each step; only the awaited `put` is timed. `getTuple` of the latest checkpoint is shown under Read. Method after `research/perf/peer-langgraph-sqlite.md`.",
    "- **LangGraph PostgreSQL peer**: `PostgresSaver.fromConnString(url, { schema })` + `setup()` on the same server as our store, fed exactly like the SQLite peer (same checkpoint chain), beside `append.postgres.async` (both over one pooled connection per put, `synchronous_commit` as the server has it).",
    "- fsync on this VM is cheap (~0.1–0.2 ms; the host absorbs flushes, see `research/perf-anchors.md`), so every durable figure is a lower bound on other disks.",
  ].join("\n");
}

const us = (f) => (f ? fmtUs(f.us) : "–");
const nOf = (key) => key.split("@")[1];

/** Known reasons for missed targets, from profiling and from the figures of the same run. */
const KNOWN = {
  "memory-commit": (t, F) =>
    `The bare in-memory append (copy the event in, push) costs ${us(F[`commit.prim.memory@${nOf(t.num)}`])} in the same rounds. CPU profile (\`node bench/profile/profile.mjs memory-commit\`, bench/PROFILES.md): the garbage collector ~54 %, core ~37 % (the change-feed record, the commit plan, the JSON copies in and out), zod ~8 %. A store of record copies the input (the caller may mutate it later) and the output (the caller may mutate what it got) and keeps a change-feed entry per commit for watch; the collector's share is the price of those short-lived copies.`,
  "fs-vs-seed": (t, F) => {
    const n = nOf(t.num);
    return `The fs store flushes every commit by default (\`fdatasync\` of its log) and the seed never flushes. At matched durability (\`durability: "none"\`, the rows below) fs costs ${us(F[`append.fs-none.sync@${n}`])} against the seed's ${us(F[t.num])}. With the flush, the floor is the bare locked append + fdatasync (${us(F[`append.prim.lock-fsync@${n}`])}); the fs store is at ${us(F[t.den])}. Appends of one session hold a lease (no lock per append) and share flushes (group commit), so the flush, not the lock, is the cost, not the history.`;
  },
  "fs-none-vs-seed": (t, F) => {
    const n = nOf(t.num);
    return `An fs append no longer takes a lock per commit: a run of appends to one session holds a lease (store-fs \`lock-runners.ts\`, released after 50 ms idle, at once for a waiting process), so the bare locked append (${us(F[`append.prim.lock@${n}`])}) is no longer its floor. The seed (${us(F[t.num])}) rewrites one small file without a lock; fs (${us(F[t.den])}) appends a log line, the index journal line and pays core's per-commit work (the memory store's commit: ${us(F[`append.memory.sync@${n}`])}). Not yet profiled on the current code: \`node bench/profile/profile.mjs fs-none-append\` (see bench/PROFILES.md).`;
  },
  "fs-flat": (t, F) => flatNote(t, F, "lock-fsync"),
  "fs-none-flat": (t, F) => flatNote(t, F, "lock"),
  "fs-vs-prim": (t, F) => primNote(t, F),
  "fs-none-vs-prim": (t, F) => primNote(t, F),
  "sqlite-vs-prim": () =>
    "Counted in WAL frames, which do not depend on load (`node bench/profile/sqlite-pages.mjs`, bench/PROFILES.md): the bare INSERT writes 2.46 frames per append, ours 5.38: the event row costs the same 2.46, then one page each for the session row (version, event_count, updated_at), the watch change-log row (issue 18's store-wide cursor, trigger `session_changes_append`) and the stats covering index entry (migration 7, which took `stats()` at 100,000 sessions from 162 to 17–23 ms; `event_count` is in it). Without the last two: 3.35 frames (1.36×). SQLite itself is 87 % of an append's CPU profile (the driver's JavaScript 7 %, core 2 %, zod 1 %). The floor with both features is ~2.2×; ≤ 1.8× needs one of them to stop writing a page per append.",
  "fs-vs-bare": () =>
    "Per commit store-fs makes the same single fdatasync as the bare primitive (of the session log only; strace -T: p50 240 µs against the bare probe's 259 µs in the same minute). Within a held lease (a run of appends, as here) it adds 1 unsynced write (the change-log line: the index journal's intent is written once per lease and its summary when the lease ends) and 3 statx (lock owner, where the line landed, a waiting process?); every 32 commits a session.json checkpoint (write, fdatasync, rename; no directory fsync since 2026-12-04). On ext4 the one line appended to another file still lengthens the log's fdatasync (its metadata rides in the same journal commit): `node bench/profile/fs-floor.mjs`. ≤ 1.3× would need the change-log line batched out of the commit (watchers would then see a commit later) or fewer checkpoints.",
  "fs-prune-vs-seed": () =>
    "CPU profile (`node bench/profile/profile.mjs fs-prune`): unlink 44 %, rmdir 30 %, mkdir 5 %, open 4 %; store-fs, core and zod together 6 %. Per removed session the store does the seed's directory work (unlink the files, rmdir the folder) plus the lock that makes it safe against a writer appending at that moment (mkdir of the lock folder, owner file created and removed, rmdir) and a rename out of the way first; the journal append and the directory fsync are once per batch of 256. The seed takes no lock and can delete a session under a running writer. Floor with per-session locks: ~2–3× the seed's directory operations.",
  "pg-vs-prim": (t, F) =>
    `A commit is one round trip, like the bare INSERT (${us(F[t.den])}; a \`get\` alone: ${us(F["get.postgres.async@10"])}), but a larger statement: one prepared CTE updates the session row (its record and indexed columns) and inserts the event only if the version and the record's digest are unchanged. \`node bench/profile/pg-explain.mjs\` (bench/PROFILES.md) splits its server side: the change-log trigger ~25 %, the events foreign-key check ~8 %, the rest the session row's UPDATE, which changes \`updated_at\` (in two indexes), so it is never HOT and writes an entry in each of 8 indexes (statement WAL 1,451 B vs the INSERT's 423 B). Without those two indexes (fillfactor 50) the update is HOT: execution -24 %, statement WAL 597 B; prune and updated-range filters would then scan (not taken). Client CPU is 2.0–2.6× the INSERT's (\`node bench/profile/profile.mjs postgres-append\`: socket writes 34–40 %, pg 18–22 %, store-postgres 7–8 %, core 4–6 %). Both sides wait for the WAL flush (synchronous_commit on).`,
  "pg-vs-langgraph-ref": (t, F) =>
    `LangGraph's PostgresSaver.put costs ${us(F[t.num])} at ${nOf(t.num)} messages (it serialises the whole history and upserts it as a blob each step); our append costs ${us(F[t.den])} (the bare INSERT round-trip: ${us(F[`append.prim.pg@${nOf(t.num)}`])}). Both wait for one WAL flush per commit (synchronous_commit on), so where the flush is slow it dominates both sides and bounds the ratio.`,
  "pg-scale-out": (t, F) => {
    const one = F[t.num];
    const many = F[t.den];
    return `1 process: ${one ? one.perSec.toFixed(0) : "–"} appends/s (p99 ${one ? fmtUs(one.p99) : "–"}); ${nOf(t.den)} processes: ${many ? many.perSec.toFixed(0) : "–"} appends/s (p99 ${many ? fmtUs(many.p99) : "–"}). Up to migration 7 every commit took one counter row and a NOTIFY lock through its WAL flush, so writers of distinct sessions queued (\`node bench/profile/pg-scale.mjs\`: 32–46 % of backend samples waiting on a lock); migration 8 removed both (0 % lock waits; bench/PROFILES.md). What is left is CPU: at 8 processes the backends are idle 73–82 % of samples, waiting for their client, and 2 cores are shared by 8 Node processes, the server and anything else running. ${t.target}× the one process (itself bound by its flush latency) with ${nOf(t.den)} processes needs the CPU of an append on both sides together ≤ 2 cores ÷ the goal's appends/s${one ? ` (${fmtUs(2e6 / (one.perSec * t.target))} here)` : ""}.`;
  },
  "sqlite-vs-langgraph-ref": (t, F) => langgraphNote(t, F),
  "sqlite-vs-langgraph-big": (t, F) => langgraphNote(t, F),
};

function flatNote(t, F, prim) {
  const big = nOf(t.num);
  const small = nOf(t.den);
  const a = F[`append.prim.${prim}@${big}`];
  const b = F[`append.prim.${prim}@${small}`];
  if (!a || !b) return "cause not analysed.";
  return `The bare locked append, which does not read any history, moved ${(a.us / b.us).toFixed(2)}× between the same sizes in this run (${us(b)} → ${us(a)}); the fs store reads only session.json and the log tail since the last checkpoint, never the history.`;
}

function primNote(t, F) {
  return `Beyond the bare primitive (${us(F[t.den])}), an fs commit also checks the lock's mtime, reads session.json and the log tail, appends a line to the listing index journal, rewrites session.json every 32 commits (\`checkpointEvery\`), and pays core's per-commit validation (the memory store's commit: ${us(F[`append.memory.sync@${nOf(t.num)}`])}).`;
}

function langgraphNote(t, F) {
  const n = nOf(t.num);
  const put = F[t.num];
  return `LangGraph's put costs ${us(put)} at ${n} messages (it rewrites the whole history each step). Meeting ${t.target}× would need a SQLite append of ${put ? fmtUs(put.us / t.target) : "–"}, within ${put && F[`append.prim.sqlite@${n}`] ? (put.us / t.target / F[`append.prim.sqlite@${n}`].us).toFixed(2) : "–"}× of the bare INSERT (the SqliteSaver section of bench/PROFILES.md: the ratio's floor is the INSERT's); ours costs ${us(F[t.den])}, of which the bare INSERT is ${us(F[`append.prim.sqlite@${n}`])} and core's per-commit work (the memory store's commit) ${us(F[`append.memory.async@${n}`])}. The ratio grows linearly with history: ${((put?.us ?? 0) / (F[t.den]?.us ?? 1)).toFixed(0)}× here. (\`research/perf/peer-langgraph-sqlite.md\` measured put at 1.8 ms @1000 and 10.2 ms @5000 on this machine; against those figures this append would be ${F[t.den] ? ((n === "1000" ? 1815 : 10201) / F[t.den].us).toFixed(0) : "–"}×.)`;
}

export function missNotes(targets, ctx) {
  const missed = targets.filter((t) => t.status === "MISS");
  if (missed.length === 0) return "Every target with figures in this run passed.";
  const lines = ["### Missed targets", ""];
  for (const t of missed) {
    const why = (KNOWN[t.id] ?? KNOWN[t.id.replace(/-\d+$/, "")])?.(t, ctx.figures) ?? "Cause not analysed.";
    lines.push(
      `- **${t.label}**: ${t.unit === " µs" ? fmtUs(t.value) : `${t.value.toFixed(2)}×`} against ${t.op === ">=" ? "≥" : "≤"} ${t.target}${t.unit ?? "×"}. ${why}`,
    );
  }
  return lines.join("\n");
}

/** A few facts worth reading beside the targets, derived from this run's figures. */
export function observations(ctx) {
  const F = ctx.figures;
  const lines = [];
  const seedConc = F["conc.seed"];
  if (seedConc) {
    const storesLost = ctx.subjects.flatMap((s) => F[`conc.${s.id}`]?.lost ?? []);
    const total = seedConc.procs * seedConc.events;
    lines.push(
      `- The seed algorithm under ${seedConc.procs} processes × ${seedConc.events} appends lost ${seedConc.lost.join(", ")} of ${total} events per round${seedConc.corrupt ? "; its session.json was left torn (unparseable) at the end, so the whole history was lost" : ""}.${storesLost.length && storesLost.every((n) => n === 0) ? " Every store lost none." : ""}`,
    );
  }
  const old = ctx.quick ? 50 : 1000;
  const seedPrune = F[`cleanup.seed@${old}`];
  for (const id of ["fs", "fs-none"]) {
    const f = F[`cleanup.${id}@${old}`];
    if (f && seedPrune && f.us > seedPrune.us) {
      lines.push(
        `- Cleanup: \`${id}\` prune took ${fmtUs(f.us)} for ${old} sessions, ${(f.us / seedPrune.us).toFixed(1)}× the seed's unlocked scan-and-rmSync (${fmtUs(seedPrune.us)}): it locks each session and renames it away, then${id === "fs" ? " fsyncs the directory and" : ""} appends the tombstones to the index journal once per batch of 256.`,
      );
    }
  }
  const walk = ctx.quick ? 500 : 10_000;
  const seedMem = F[`mem.seed@${walk}`];
  const fsMem = F[`mem.fs@${walk}`];
  if (seedMem && fsMem) {
    lines.push(
      `- Listing ${walk} sessions: the seed's listSessions() raised RSS by ${fmtBytes(seedMem.peakOverIdle)} (it parses every full session, history included); the fs store's cursor walk by ${fmtBytes(Math.max(0, fsMem.peakOverIdle))}.`,
    );
  }
  return lines.length ? ["### Other observations", "", ...lines].join("\n") : "";
}
