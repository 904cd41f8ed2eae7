import assert from "node:assert/strict";
import type { SessionStore } from "@sessionkit/core";
import { assertTyped, codeOf, expectCode, expectEqual, freshId, input, iso } from "../assertions.js";
import type { CaseDefinition } from "../case.js";
import { withDeadline } from "../context.js";

function everyMethod(store: SessionStore, id: string): Array<[string, () => Promise<unknown>]> {
  const session = {
    id,
    mode: "m",
    task: "t",
    status: "active" as const,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    iterations: 0,
    maxIterations: 1,
    context: {},
    version: 1,
    eventCount: 0,
  };
  return [
    ["create", () => store.create(input({ id: freshId() }))],
    ["get", () => store.get(id)],
    ["getWithHistory", () => store.getWithHistory(id)],
    ["commit", () => store.commit(id, { events: [{ type: "x" }] })],
    ["readEvents", () => store.readEvents(id)],
    ["list", () => store.list()],
    ["count", () => store.count()],
    ["stats", () => store.stats()],
    ["delete", () => store.delete(id)],
    ["prune", () => store.prune({ olderThan: Date.now() })],
    ["importSession", () => store.importSession({ ...session, id: freshId() }, [])],
  ];
}

/** SS-LIFE: opening, the injected clock, closing. */
export const storeLifecycleCases: CaseDefinition[] = [
  {
    id: "SS-LIFE-01",
    group: "SS-LIFE",
    title: "the store has a name and stamps every write with the injected clock",
    async run({ open, ctx }) {
      const store = await open();
      assert.ok(
        typeof store.name === "string" && store.name.length > 0,
        "store.name must be a non-empty string",
      );
      ctx.clock.set("2031-07-04T05:06:07.089Z");
      assert.equal(store.clock.now(), ctx.clock.now(), "store.clock must be the injected clock");
      const { session } = await store.create(input({ id: freshId() }));
      expectEqual(session.createdAt, "2031-07-04T05:06:07.089Z", "session.createdAt");
      ctx.clock.advance(1001);
      const { session: next } = await store.commit(session.id, { patch: { iterations: 1 } });
      expectEqual(next.updatedAt, iso(ctx.clock.now()), "next.updatedAt");
    },
  },
  {
    id: "SS-LIFE-02",
    group: "SS-LIFE",
    title: "close() resolves and is idempotent, also when called concurrently",
    async run({ open }) {
      const store = await open();
      await store.create(input({ id: freshId() }));
      await Promise.all([store.close(), store.close()]);
      await store.close();
    },
  },
  {
    id: "SS-LIFE-03",
    group: "SS-LIFE",
    title: "every method rejects with ERR_STORE_CLOSED after close(): no hang, no silent reopen",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }));
      await store.close();
      for (const [method, call] of everyMethod(store, id)) {
        await withDeadline(
          expectCode(call(), "ERR_STORE_CLOSED", `${method}() after close()`),
          10_000,
          `${method}() after close()`,
        );
      }
      if (store.capabilities.sync)
        await expectCode(() => store.sync(), "ERR_STORE_CLOSED", "sync() after close()");
    },
  },
  {
    id: "SS-LIFE-04",
    group: "SS-LIFE",
    title:
      "close() with operations in flight: each settles (resolves or a typed rejection), then close resolves",
    async run({ open, reopen, capabilities }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }));
      const inflight = Array.from({ length: 20 }, (_, k) =>
        store.commit(id, { events: [{ type: "n", data: { k } }] }),
      );
      const closing = store.close();
      const outcomes = await Promise.allSettled(inflight);
      await withDeadline(closing, 10_000, "close() with operations in flight");
      let committed = 0;
      for (const outcome of outcomes) {
        if (outcome.status === "fulfilled") committed += 1;
        else assertTyped(outcome.reason, "an operation in flight during close()");
      }
      if (capabilities.persistent) {
        const again = await reopen();
        const session = await again.get(id);
        assert.equal(
          session?.version,
          1 + committed,
          "every commit that resolved before close() is stored, and no other",
        );
        expectEqual((await again.readEvents(id)).length, committed, "(await again.readEvents(id)).length");
      }
    },
  },
  {
    id: "SS-LIFE-05",
    group: "SS-LIFE",
    title:
      "failures leak nothing: after 40 refused operations normal work succeeds at once and close() resolves",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }));
      const failing: Array<() => Promise<unknown>> = [
        () => store.commit(id, { expectedVersion: 99, events: [{ type: "x" }] }),
        () => store.commit(freshId(), { events: [{ type: "x" }] }),
        () => store.commit(id, { patch: { context: { f: () => 1 } as never } }),
        () => store.create(input({ id })),
        () => store.delete(id, { expectedVersion: 42 }),
        () => store.get("../etc/passwd"),
        () => store.list({ cursor: "garbage!" }),
        () => store.readEvents(freshId()),
      ];
      for (let round = 0; round < 5; round++) {
        for (const fail of failing) {
          let error: unknown;
          try {
            await withDeadline(fail(), 10_000, "a refused operation");
          } catch (caught) {
            error = caught;
          }
          assert.ok(error !== undefined, "the operation should have been refused");
          assertTyped(error, "a refused operation");
        }
      }
      const { session } = await withDeadline(
        store.commit(id, { expectedVersion: 1, events: [{ type: "ok" }] }),
        10_000,
        "commit after failures",
      );
      expectEqual(session.version, 2, "session.version");
      expectEqual(
        codeOf(await store.get(id).then(() => undefined)),
        undefined,
        "codeOf(await store.get(id).then(() => undefined))",
      );
      await withDeadline(store.close(), 10_000, "close() after failures");
    },
  },
];
