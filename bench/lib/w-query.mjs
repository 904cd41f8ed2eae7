// Workloads at scale: filtered list (user + status + created after, limit 10) and statistics, plus the
// peak memory of a child process walking a cursor over 10,000 sessions. Data sets are seeded untimed.

import { fork } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createSeedBaseline } from "../baseline-seed.mjs";
import { openStore } from "./adapters.mjs";
import { BASE_MS, listFilter, makeSession, sessionId, toSeedShape } from "./data.mjs";
import { measureInterleaved, now, usSince } from "./measure.mjs";
import { SHARED_TAG, sharedDataSet, sharedSession } from "./seeding.mjs";

const LIST_WORKER = fileURLToPath(new URL("../workers/list-memory.mjs", import.meta.url));

/** Sessions per data set: the scan-based stores at 10k, the indexed ones at 100k. */
export function querySizes(quick) {
  return quick
    ? { memory: 500, fs: 500, sqlite: 500, postgres: 500, redis: 500, seed: 500, walk: 500 }
    : {
        memory: 10_000,
        fs: 10_000,
        sqlite: 100_000,
        postgres: 100_000,
        redis: 100_000,
        seed: 10_000,
        walk: 10_000,
      };
}

// The stores' data sets are the run's shared ones (seeding.mjs), also used by the cli and ui workloads.
const make = sharedSession;

/** The ids the list workload must return, from the generator's rules. */
function expectedIds(total) {
  const cutoff = new Date(BASE_MS + Math.floor(total / 2) * 1000).toISOString();
  const out = [];
  for (let i = total - 1; i >= 0 && out.length < 10; i--) {
    const { session } = makeSession(sessionId(SHARED_TAG, i), i, 0);
    if (session.userId === "user_7" && session.status === "completed" && session.createdAt >= cutoff)
      out.push(session.id);
  }
  return out;
}

/** ops per round so that a round lasts about `budgetMs`, from one untimed probe. */
async function opsFor(probe, budgetMs) {
  const t0 = now();
  await probe();
  const us = usSince(t0);
  return Math.max(1, Math.min(2000, Math.round((budgetMs * 1000) / Math.max(us, 1))));
}

function check(label, got, want) {
  const a = JSON.stringify(got);
  const b = JSON.stringify(want);
  if (a !== b) throw new Error(`${label}: wrong answer: got ${a}, expected ${b}`);
}

/** Runs the list-memory child and returns its report. */
function walkInChild(kind, target, filter, expect) {
  return new Promise((resolve, reject) => {
    const child = fork(LIST_WORKER, [kind, JSON.stringify(target), JSON.stringify(filter), String(expect)], {
      execArgv: ["--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let report;
    child.on("message", (m) => {
      report = m;
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 && report
        ? resolve(report)
        : reject(new Error(`list-memory child (${kind}) exited ${code}: ${report?.error ?? ""}`)),
    );
  });
}

export async function runQuery(ctx) {
  const sizes = querySizes(ctx.quick);
  const { rounds, warmup } = ctx;
  const budget = ctx.quick ? 30 : 200;
  const contenders = [];
  const walks = [];
  const closers = [];
  try {
    // The seed baseline: every list or stats call reads and parses every session.json.
    {
      const total = sizes.seed;
      const seed = createSeedBaseline(path.join(ctx.runDir, "seed-query"));
      closers.push(() => fs.rmSync(seed.dir, { recursive: true, force: true }));
      for (let i = 0; i < total; i++) {
        const { session, events } = make(i);
        seed.importSession(JSON.stringify(toSeedShape(session, events)));
      }
      ctx.log(`query: seed baseline, seeded ${total} sessions`);
      const filter = { ...listFilter(total), limit: 10 };
      check(
        "seed list",
        seed.listSessions(filter).map((s) => s.id),
        expectedIds(total),
      );
      contenders.push({ key: `list.seed@${total}`, ops: 1, sync: true, fn: () => seed.listSessions(filter) });
      contenders.push({ key: `stats.seed@${total}`, ops: 1, sync: true, fn: () => seed.getSessionStats() });
      walks.push({
        key: `mem.seed@${total}`,
        kind: "seed",
        target: { dir: seed.dir },
        filter: {},
        expect: total,
      });
    }

    for (const subject of ctx.subjects) {
      if (subject.id === "fs-none") continue; // same files and queries as "fs"; durability only changes writes
      const total = sizes[subject.adapter];
      const t0 = now();
      const { spec, store: memoryStore } = await sharedDataSet(ctx, subject, total);
      ctx.log(`query: ${subject.id}, ${total} sessions ready in ${(usSince(t0) / 1e6).toFixed(1)} s`);
      const store = memoryStore ?? (await openStore(spec));
      closers.push(() => store.close());
      const filter = { ...listFilter(total), limit: 10 };
      const listed = await store.list(filter);
      check(
        `${subject.id} list`,
        listed.items.map((s) => s.id),
        expectedIds(total),
      );
      check(`${subject.id} stats total`, (await store.stats()).total, total);
      if (store.capabilities.sync) {
        const face = store.sync();
        contenders.push({
          key: `list.${subject.id}.sync@${total}`,
          ops: await opsFor(() => face.list(filter), budget),
          sync: true,
          fn: () => face.list(filter),
        });
        contenders.push({
          key: `stats.${subject.id}.sync@${total}`,
          ops: await opsFor(() => face.stats(), budget),
          sync: true,
          fn: () => face.stats(),
        });
      }
      contenders.push({
        key: `list.${subject.id}.async@${total}`,
        ops: await opsFor(() => store.list(filter), budget),
        fn: () => store.list(filter),
      });
      contenders.push({
        key: `stats.${subject.id}.async@${total}`,
        ops: await opsFor(() => store.stats(), budget),
        fn: () => store.stats(),
      });
      if (subject.adapter !== "memory") {
        // On the 100k data sets, the newest `walk` sessions (a createdAfter bound) are walked.
        const walk = sizes.walk;
        const walkFilter =
          walk < total ? { createdAfter: new Date(BASE_MS + (total - walk) * 1000).toISOString() } : {};
        walks.push({
          key: `mem.${subject.id}@${walk}`,
          kind: "store",
          target: spec,
          filter: walkFilter,
          expect: walk,
        });
      }
    }

    ctx.log(`query: measuring ${contenders.length} list/stats contenders, interleaved`);
    const results = await measureInterleaved(contenders, { rounds, warmup });
    for (const [key, value] of Object.entries(results)) ctx.fig(key, value);

    // Peak memory of walking 10,000 sessions with a cursor, each in a fresh child process.
    if (ctx.walk) {
      for (const w of walks) ctx.fig(w.key, await walkInChild(w.kind, w.target, w.filter, w.expect));
    }
  } finally {
    for (const close of closers.reverse()) await close();
  }
}
