// Child process of the scale-out workload: opens its own store, then after "go" awaits one-event
// commits round-robin over its sessions until the duration has passed, timing each one.
// argv: store spec JSON, worker index, session ids JSON ("own": this worker creates them first).
import process from "node:process";
import { openStore } from "../lib/adapters.mjs";
import { makeSession } from "../lib/data.mjs";

const [specJson, workerArg, idsJson, createArg] = process.argv.slice(2);
const spec = JSON.parse(specJson);
const w = Number(workerArg);
const ids = JSON.parse(idsJson);

const store = await openStore(spec);
if (createArg === "create") {
  // Distinct sessions: this worker's own, created before the start gate (untimed).
  for (const [j, id] of ids.entries()) {
    const { session, events } = makeSession(id, w * ids.length + j, 10, { status: "active" });
    await store.importSession(session, events);
  }
} else await store.count(); // connect / migrate before the start gate

const PAD = "x".repeat(160);

process.on("message", async (message) => {
  if (message?.go === undefined) return;
  const latencies = [];
  const failed = [];
  const codes = new Set();
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(Math.round(message.go * 1e6));
  let i = 0;
  for (let t = t0; t < end; i++) {
    try {
      await store.commit(ids[i % ids.length], {
        events: [{ type: "tool_call", data: { w, i, pad: PAD } }],
      });
    } catch (error) {
      failed.push(i);
      codes.add(error?.code ?? String(error));
    }
    const after = process.hrtime.bigint();
    latencies.push(Number(after - t) / 1e3);
    t = after;
  }
  const loopMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await store.close();
  process.send({ done: true, ops: i, failed, codes: [...codes], latencies, loopMs }, () =>
    process.disconnect(),
  );
});
process.send({ ready: true });
