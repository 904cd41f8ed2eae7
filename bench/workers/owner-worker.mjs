// Child process of the ownership workload: opens the store a spec names, starts one session with
// ownership on (claimed, heartbeats every lease/3), reports its id, then idles until it is killed.
// argv: spec JSON, lease ms, "remote" to record another host in the owner (a sweeper then has only
// the lease to go by, as on another machine: the heartbeats keep working, they fence on id + generation).
import process from "node:process";
import { createSessionManager } from "@sessionkit/core";
import { openStore } from "../lib/adapters.mjs";

const [specJson, leaseArg, where] = process.argv.slice(2);
const store = await openStore(JSON.parse(specJson));
const manager = createSessionManager({ store, ownership: { leaseMs: Number(leaseArg) } });
let session = await manager.start({ task: "owned by a worker", mode: "bench" });
if (where === "remote") {
  const owner = { ...session.owner, host: `remote-of-${session.owner.host}` };
  session = (await store.commit(session.id, { expectedVersion: session.version, patch: { owner } })).session;
}
setInterval(() => {}, 1 << 30);
process.send({ id: session.id });
