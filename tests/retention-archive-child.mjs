// A child for the archive-dedupe test, on its parent's storage. argv[2]: JSON {adapter, dir,
// namespace, pgUrl, archivePath, stopAt}: runs applyRetention (archive what is older than 7 days,
// real clock); before its `stopAt`-th chunk delete (1-based) it prints "deleting" and waits there,
// after the chunk's archive lines were written and fsynced, so the parent's SIGKILL lands between
// the archive's fsync and the delete. Without a stop it prints its result and exits.
import { createSessionManager } from "@sessionkit/core";
import { openChildStore } from "./child-store.mjs";

const args = JSON.parse(process.argv[2]);
const store = await openChildStore(args, { pgMax: 2 });
let chunks = 0;
const stopping = {
  ...store,
  async deleteMany(items) {
    chunks += 1;
    if (chunks === args.stopAt) {
      process.stdout.write("deleting\n");
      await new Promise(() => {});
    }
    return store.deleteMany(items);
  },
};
const manager = createSessionManager({ store: stopping });
const result = await manager.applyRetention({
  policies: [{ when: { olderThan: "7d" }, action: "archive", archivePath: args.archivePath }],
});
process.stdout.write(
  `${JSON.stringify({ removed: result.removed.length, archived: result.archived.length })}\n`,
);
await manager.close();
await store.close();
