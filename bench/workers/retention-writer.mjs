// Retention's concurrent writer: opens the store of a spec and appends one event at a time to its own
// session until told to stop, timing each append; sends back the count, the slowest and the p99 (ms).
// What retention promises a writer is a bounded wait (one chunk's transaction), so the slowest
// append during the run is the figure.
import { openStore } from "../lib/adapters.mjs";

const [specJson, id] = process.argv.slice(2);
const store = await openStore(JSON.parse(specJson));
const face = store.capabilities.sync ? store.sync() : null;
let stop = false;
process.on("message", (m) => {
  if (m === "stop") stop = true;
});
const times = [];
process.send({ ready: true });
while (!stop) {
  const t0 = performance.now();
  if (face) face.commit(id, { events: [{ type: "tick", data: { n: times.length } }] });
  else await store.commit(id, { events: [{ type: "tick", data: { n: times.length } }] });
  times.push(performance.now() - t0);
  // Let the stop message in (a sync face never yields otherwise); a writer that paused 1 ms
  // between appends is still a steady writer.
  await new Promise((resolve) => setTimeout(resolve, 1));
}
times.sort((a, b) => a - b);
process.send({
  count: times.length,
  maxMs: times.at(-1) ?? 0,
  p99Ms: times[Math.floor(times.length * 0.99)] ?? 0,
});
await store.close();
process.exit(0);
