// A child for the SIGSTOP test, on its parent's storage. argv[2]: JSON {adapter, dir, namespace,
// pgUrl, leaseMs}: runs applyRetention (delete what is older than 7 days, real clock) under a
// short lease. After its first deleteMany returns (no transaction or lock open) it prints
// "stopping" and SIGSTOPs itself; the parent takes the lease over and sends SIGCONT. It prints
// {removed} or {error: code} as its last line.
import { createSessionManager } from "@sessionkit/core";
import { openChildStore } from "./child-store.mjs";

const args = JSON.parse(process.argv[2]);
const store = await openChildStore(args, { pgMax: 2 });
let calls = 0;
const stopping = {
  ...store,
  async deleteMany(items) {
    const outcomes = await store.deleteMany(items);
    calls += 1;
    if (calls === 1) {
      process.stdout.write("stopping\n");
      process.kill(process.pid, "SIGSTOP");
    }
    return outcomes;
  },
};
const manager = createSessionManager({ store: stopping });
try {
  const result = await manager.applyRetention({
    policies: [{ when: { olderThan: "7d" }, action: "delete" }],
    leaseMs: args.leaseMs,
  });
  process.stdout.write(`${JSON.stringify({ removed: result.removed.length })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: error.code ?? String(error) })}\n`);
}
await manager.close();
await store.close();
