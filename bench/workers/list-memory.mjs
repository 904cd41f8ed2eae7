// Child process: opens a store (or the seed baseline), then lists every matching session — a cursor
// walk in pages of 1000, or the seed's listSessions() — and reports its memory. Run with --expose-gc.
// argv: kind ("store" | "seed"), target JSON (a store spec, or {dir}), filter JSON, expected count.
import process from "node:process";
import { createSeedBaseline } from "../baseline-seed.mjs";
import { openStore } from "../lib/adapters.mjs";

const [kind, targetJson, filterJson, expectJson] = process.argv.slice(2);
const target = JSON.parse(targetJson);
const filter = JSON.parse(filterJson);
const expected = Number(expectJson);

const rss = () => process.memoryUsage().rss;

try {
  let count = 0;
  let peakSampled = 0;
  let pages = 0;
  let idle;
  const t0 = process.hrtime.bigint();
  if (kind === "seed") {
    const seed = createSeedBaseline(target.dir);
    global.gc?.();
    idle = rss();
    const all = seed.listSessions(filter);
    count = all.length;
    pages = 1;
    peakSampled = rss();
  } else {
    const store = await openStore(target);
    await store.count(); // connections, migrations, first reads: not part of the walk
    global.gc?.();
    idle = rss();
    let cursor = null;
    do {
      const page = await store.list({ ...filter, limit: 1000, cursor });
      count += page.items.length;
      pages++;
      cursor = page.nextCursor;
      peakSampled = Math.max(peakSampled, rss());
    } while (cursor);
    await store.close();
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  if (count !== expected) throw new Error(`listed ${count} sessions, expected ${expected}`);
  process.send(
    { count, pages, idleRss: idle, peakSampledRss: peakSampled, maxRss, peakOverIdle: maxRss - idle, ms },
    () => process.disconnect(),
  );
} catch (error) {
  process.exitCode = 1;
  process.send({ error: String(error?.stack ?? error) }, () => process.disconnect());
}
