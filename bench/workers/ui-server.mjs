// Child process of the "ui" workload: opens the store of a spec (a memory store is seeded here, as
// it lives in one process), measures its RSS with the store alone open and the median time of the
// store's own list({ limit: 50 }), then starts the inspector and reports its URL. On { measure } it
// reports its RSS after serving (and the peak), then waits to be killed.
// argv: spec JSON, sessions, events in the long session, tag
import process from "node:process";
import { startInspector } from "@sessionkit/ui";
import { openStore } from "../lib/adapters.mjs";
import { median, now, usSince } from "../lib/measure.mjs";
import { seedUi } from "../lib/w-ui.mjs";

const [specJson, totalArg, eventsArg, tag] = process.argv.slice(2);
const spec = JSON.parse(specJson);
const rss = () => {
  global.gc?.();
  return process.memoryUsage().rss;
};

try {
  const store =
    spec.adapter === "memory"
      ? await seedUi(spec, Number(totalArg), Number(eventsArg), tag)
      : await openStore(spec);
  await store.count(); // connections, migrations, first reads: part of having the store open
  const times = [];
  for (let i = 0; i < 21; i++) {
    const t0 = now();
    await store.list({ limit: 50 });
    if (i > 0) times.push(usSince(t0));
  }
  const rssStore = rss();
  const inspector = await startInspector({ store });
  process.send({ url: inspector.url, listUs: median(times), rssStore });
  process.on("message", (m) => {
    if (!m.measure) return;
    process.send({ rssStore, rssServing: rss(), maxRss: process.resourceUsage().maxRSS * 1024 });
  });
  process.on("SIGTERM", async () => {
    await inspector.close();
    await store.close();
    process.exit(0);
  });
} catch (error) {
  process.send({ error: String(error?.stack ?? error) }, () => process.exit(1));
}
