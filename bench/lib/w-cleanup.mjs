// Workload "cleanup of 1,000 old sessions": each round seeds `old` terminal sessions last changed long
// ago and as many recent ones (untimed), then times one prune (the seed: cleanupOldSessions).
import fs from "node:fs";
import path from "node:path";
import { createSeedBaseline } from "../baseline-seed.mjs";
import { destroySpec, makeSpec, openStore } from "./adapters.mjs";
import { BASE_MS, makeSession, sessionId, toSeedShape } from "./data.mjs";
import { median, now, usSince } from "./measure.mjs";
import { seedStore } from "./seeding.mjs";

const DAY = 86_400_000;
const TERMINAL = ["completed", "failed", "timeout"];
const CUTOFF_MS = BASE_MS + 50 * DAY;
const NOW_MS = BASE_MS + 200 * DAY;

export const cleanupSize = (quick) => (quick ? 50 : 1000);

/** Session i: the first `old` are terminal and from day 0; the rest are from day 100, any status. */
function makeFor(old) {
  return (i) => {
    const id = sessionId("c", i);
    if (i < old) return makeSession(id, i, 3, { status: TERMINAL[i % 3] });
    return makeSession(id, i, 3, { createdAt: new Date(BASE_MS + 100 * DAY + i * 1000).toISOString() });
  };
}

function summary(us, count) {
  return { us: median(us), min: Math.min(...us), max: Math.max(...us), rounds: us.length, ops: 1, count };
}

export async function runCleanup(ctx) {
  const old = cleanupSize(ctx.quick);
  const total = old * 2;
  const make = makeFor(old);
  const rounds = ctx.quick ? ctx.rounds : 3;
  const statuses = TERMINAL;

  {
    const times = [];
    for (let r = 0; r < ctx.warmup + rounds; r++) {
      const seed = createSeedBaseline(path.join(ctx.runDir, `seed-cleanup-${r}`));
      for (let i = 0; i < total; i++) {
        const { session, events } = make(i);
        seed.importSession(JSON.stringify(toSeedShape(session, events)));
      }
      const t0 = now();
      const deleted = seed.cleanupOldSessions(NOW_MS - CUTOFF_MS, NOW_MS);
      const us = usSince(t0);
      if (deleted !== old) throw new Error(`seed cleanup deleted ${deleted}, expected ${old}`);
      if (r >= ctx.warmup) times.push(us);
      fs.rmSync(seed.dir, { recursive: true, force: true });
    }
    ctx.fig(`cleanup.seed@${old}`, summary(times, old));
  }

  for (const subject of ctx.subjects) {
    const times = [];
    for (let r = 0; r < ctx.warmup + rounds; r++) {
      const spec = makeSpec(subject.adapter, ctx.runDir, `cleanup_${subject.id}_${r}`, subject.options);
      try {
        const memoryStore = await seedStore(spec, total, make);
        const store = memoryStore ?? (await openStore(spec));
        try {
          await store.count();
          const input = { olderThan: new Date(CUTOFF_MS).toISOString(), statuses };
          const t0 = now();
          const result = store.capabilities.sync ? store.sync().prune(input) : await store.prune(input);
          const us = usSince(t0);
          if (result.count !== old)
            throw new Error(`${subject.id} prune removed ${result.count}, expected ${old}`);
          if ((await store.count()) !== total - old)
            throw new Error(`${subject.id}: wrong count after prune`);
          if (r >= ctx.warmup) times.push(us);
        } finally {
          await store.close();
        }
      } finally {
        await destroySpec(spec, ctx.pgAdmin);
      }
    }
    ctx.fig(`cleanup.${subject.id}@${old}`, summary(times, old));
  }
}
