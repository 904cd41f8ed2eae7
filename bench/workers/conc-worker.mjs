// Child process of the concurrency workload: appends `events` tool_call events to one shared session.
// argv: kind ("store" | "seed"), target JSON (store spec, or {dir}), session id, worker index, events.
import process from "node:process";
import { createSeedBaseline } from "../baseline-seed.mjs";
import { openStore } from "../lib/adapters.mjs";

const [kind, targetJson, id, workerArg, eventsArg] = process.argv.slice(2);
const target = JSON.parse(targetJson);
const w = Number(workerArg);
const events = Number(eventsArg);

const store = kind === "seed" ? null : await openStore(target);
const seed = kind === "seed" ? createSeedBaseline(target.dir) : null;
if (store) await store.count(); // connect / migrate before the start gate

let errors = 0;
const codes = new Set();
process.on("message", async (message) => {
  if (message !== "go") return;
  for (let i = 0; i < events; i++) {
    const data = { w, i, note: "concurrent append" };
    try {
      if (seed) {
        // The seed returns false when the file it reads is missing or torn mid-write by another process.
        if (!seed.addEvent(id, "tool_call", data)) {
          errors++;
          codes.add("seed: addEvent returned false");
        }
      } else await store.commit(id, { events: [{ type: "tool_call", data }] });
    } catch (error) {
      errors++;
      codes.add(error?.code ?? String(error));
    }
  }
  if (store) await store.close();
  process.send({ done: true, errors, codes: [...codes] }, () => process.disconnect());
});
process.send({ ready: true });
