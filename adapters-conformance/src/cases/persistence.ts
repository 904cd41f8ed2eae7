import assert from "node:assert/strict";
import type { SessionStore } from "@sessionkit/core";
import { expectDeepEqual, expectEqual, freshId, input, iso, walk } from "../assertions.js";
import type { CaseDefinition } from "../case.js";
import { seedDataset } from "./dataset.js";

async function everything(store: SessionStore) {
  const ids = (await walk(store, {}, 1000)).ids;
  return {
    page: await store.list({ limit: 1000 }),
    histories: await Promise.all(ids.map((id) => store.getWithHistory(id))),
    stats: await store.stats(),
    count: await store.count(),
  };
}

/** SS-P: persistence across close and reopen. */
export const persistenceCases: CaseDefinition[] = [
  {
    id: "SS-P-01",
    group: "SS-P",
    title: "after close() and reopen every session, history, version, timestamp and statistic is identical",
    requires: ["persistent", "reopen"],
    async run({ open, reopen, ctx }) {
      const store = await open();
      const rows = await seedDataset(store, ctx, 20, 9);
      await store.delete(rows[0]!.id);
      const before = await everything(store);
      await store.close();
      const again = await reopen();
      expectDeepEqual(await everything(again), before, "everything(again)");
      const target = rows[1]!;
      const { session } = await again.commit(target.id, {
        expectedVersion: target.version,
        events: [{ type: "after-reopen" }],
      });
      assert.equal(session.version, target.version + 1, "version continues from the stored one");
      assert.equal(
        (await again.readEvents(target.id, { last: 1 }))[0]!.seq,
        target.eventCount + 1,
        "seq continues",
      );
      assert.equal(await again.get(rows[0]!.id), null, "a deleted session came back");
    },
  },
  {
    id: "SS-P-02",
    group: "SS-P",
    title: "a cursor issued before close() continues the walk on a reopened handle without skips or repeats",
    requires: ["persistent", "reopen"],
    async run({ open, reopen, ctx }) {
      const store = await open();
      const expected = (await seedDataset(store, ctx, 12, 4)).map((row) => row.id);
      const first = await store.list({ limit: 5 });
      await store.close();
      const again = await reopen();
      const rest = await again.list({ limit: 1000, cursor: first.nextCursor });
      expectDeepEqual(
        [...first.items, ...rest.items].map((item) => item.id),
        expected,
        "[...first.items, ...rest.items].map((item) => item.id)",
      );
    },
  },
  {
    id: "SS-P-03",
    group: "SS-P",
    title: "reopening storage repeatedly (re-running any setup) neither fails nor loses or duplicates data",
    requires: ["persistent", "reopen"],
    async run({ open, reopen, ctx }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id, status: "completed" }), { events: [{ type: "start" }] });
      const pruned = freshId();
      await store.create(input({ id: pruned, status: "failed" }));
      ctx.clock.advance(5);
      await store.prune({ olderThan: iso(ctx.clock.now()), statuses: ["failed"] });
      await store.close();
      for (let k = 0; k < 3; k++) {
        const handle = await reopen();
        expectEqual(await handle.count(), 1, "handle.count()");
        assert.equal(await handle.get(pruned), null, "a pruned session came back");
        await handle.commit(id, { expectedVersion: k + 1, events: [{ type: "round", data: { k } }] });
        await handle.close();
      }
      const last = await reopen();
      expectDeepEqual(
        (await last.readEvents(id)).map((event) => event.seq),
        [1, 2, 3, 4],
        "(await last.readEvents(id)).map((event) => event.seq)",
      );
      expectEqual((await last.get(id))?.version, 4, "(await last.get(id))?.version");
    },
  },
];
