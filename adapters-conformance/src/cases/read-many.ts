import assert from "node:assert/strict";
import { createSessionManager } from "@sessionkit/core";
import { READ_BATCH_SIZE } from "@sessionkit/core/driver";
import { expectCode, expectDeepEqual, expectEqual, freshId, input } from "../assertions.js";
import type { CaseDefinition } from "../case.js";

/** SS-RM: getManyWithHistory, the batch read retention works in. */
export const readManyCases: CaseDefinition[] = [
  {
    id: "SS-RM-01",
    group: "SS-RM",
    title:
      "getManyWithHistory(ids) answers each id, in order, exactly as getWithHistory(id) does: null for an absent one, a repeated id twice; over READ_BATCH_SIZE ids is ERR_INVALID_INPUT",
    async run({ open, ctx }) {
      const store = await open();
      // Sessions started with the manager carry operation ids (SQLite keeps them in a side table),
      // where the store claims idempotency; a store without it refuses an operationId, rightly.
      const manager = createSessionManager({ store, clock: ctx.clock });
      const withIds = store.capabilities.idempotency === true;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const s = await manager.start({ task: `op${i}`, mode: "m" });
        await manager.addEvent(s.id, "note", { i }, withIds ? { operationId: `note-${i}` } : {});
        ids.push(s.id);
      }
      for (let i = 0; i < 12; i++) {
        const id = freshId(`rm${i}`);
        const events = Array.from({ length: i % 4 }, (_, k) => ({
          type: "e",
          data: { i, k, text: "\u00e9\ud800" },
        }));
        await store.create(input({ id, context: { i } }), { events });
        if (i % 3 === 0)
          await store.commit(id, { events: [{ type: "later", data: { i } }], patch: { iterations: 2 } });
        ids.push(id);
      }
      const asked = [ids[5]!, freshId("absent"), ...ids, ids[0]!];
      const { sessions, corrupt } = await store.getManyWithHistory(asked);
      expectEqual(sessions.length, asked.length, "one entry per id");
      for (const [k, id] of asked.entries())
        expectDeepEqual(sessions[k], await store.getWithHistory(id), `entry ${k} (${id})`);
      expectDeepEqual(corrupt, [], "corrupt on healthy storage");
      expectDeepEqual(await store.getManyWithHistory([]), { sessions: [], corrupt: [] }, "no ids");
      await expectCode(
        store.getManyWithHistory(Array.from({ length: READ_BATCH_SIZE + 1 }, () => ids[0]!)),
        "ERR_INVALID_INPUT",
        "more ids than READ_BATCH_SIZE",
      );
      await expectCode(store.getManyWithHistory(["../etc"]), "ERR_INVALID_ID", "an invalid id");
    },
  },
  {
    id: "SS-RM-02",
    group: "SS-RM",
    title: "getManyWithHistory skips a damaged record (null) and reports it by id; the others are read",
    requires: ["corrupt"],
    async run({ open, harness, ctx }) {
      const store = await open();
      const healthy = freshId("ok");
      const damaged = freshId("bad");
      await store.create(input({ id: healthy }), { events: [{ type: "start" }] });
      await store.create(input({ id: damaged }), { events: [{ type: "start" }] });
      await harness.corrupt!(ctx, damaged, "garbage");
      const { sessions, corrupt } = await store.getManyWithHistory([damaged, healthy]);
      expectEqual(sessions[0], null, "the damaged one");
      expectDeepEqual(sessions[1], await store.getWithHistory(healthy), "the healthy one");
      assert.deepStrictEqual(
        corrupt.map((entry) => [entry.id, entry.code]),
        [[damaged, "ERR_CORRUPT_RECORD"]],
        "corrupt names the damaged record",
      );
    },
  },
];
