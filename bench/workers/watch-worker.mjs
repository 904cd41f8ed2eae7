// Watch worker: opens the store of a spec, watches one session from "now" and sends back, per
// event, the delay from the writer's timestamp (event.data.t, wall clock ms) to its delivery here.
import { openStore } from "../lib/adapters.mjs";

const [specJson, id, countText] = process.argv.slice(2);
const count = Number(countText);
const store = await openStore(JSON.parse(specJson));
const controller = new AbortController();
const delays = [];
const iterable = store.watch(id, { signal: controller.signal });
const iterator = iterable[Symbol.asyncIterator]();
const first = iterator.next();
// The hub reads its head and starts its wake-up on the first next(); let it settle before "ready".
await new Promise((resolve) => setTimeout(resolve, 300));
process.send({ ready: true });
let next = await first;
while (!next.done) {
  const sent = next.value.event?.data?.t;
  if (typeof sent === "number") delays.push(performance.timeOrigin + performance.now() - sent);
  if (delays.length >= count) break;
  next = await iterator.next();
}
controller.abort();
process.send({ delays });
await store.close();
process.exit(0);
