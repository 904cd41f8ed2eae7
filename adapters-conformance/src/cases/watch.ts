import assert from "node:assert/strict";
import type { WatchItem } from "@sessionkit/core";
import { createPrng, expectCode, expectDeepEqual, freshId, input } from "../assertions.js";
import type { CaseDefinition } from "../case.js";
import { collect, describeItems, range, seqsOf } from "./watch-helpers.js";
import { watchRestartCases } from "./watch-restart.js";
import { watchRetentionCases } from "./watch-retention.js";

/** SS-W: the live change feed (store.watch). */
export const watchCases: CaseDefinition[] = [
  {
    id: "SS-W-01",
    group: "SS-W",
    title:
      "watch() is refused with ERR_UNSUPPORTED_CAPABILITY unless claimed; bad scopes and cursors are typed errors",
    async run({ open }) {
      const store = await open();
      if (!store.capabilities.watch) {
        await expectCode(() => store.watch(freshId()), "ERR_UNSUPPORTED_CAPABILITY", "watch() unclaimed");
        return;
      }
      await expectCode(() => store.watch("../etc"), "ERR_INVALID_ID", "watch of a bad id");
      await expectCode(
        () => store.watch({ owner: "x" } as never),
        "ERR_INVALID_INPUT",
        "watch of an unknown filter key",
      );
      await expectCode(() => store.watch({}, { since: 3 }), "ERR_INVALID_INPUT", "a seq since for a filter");
      await expectCode(() => store.watch({}, { since: "garbage" }), "ERR_INVALID_CURSOR", "a foreign cursor");
    },
  },
  {
    id: "SS-W-02",
    group: "SS-W",
    title:
      "one session since 0: its history, then live commits in order, exactly once; a state-only commit and a delete are items without event",
    requires: ["watch"],
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }), { events: [{ type: "a" }, { type: "b" }] });
      const watcher = collect(store, id, { since: 0 });
      await watcher.until((items) => items.length >= 2, "the replayed history");
      await store.commit(id, { events: [{ type: "c" }, { type: "d" }] });
      await store.commit(id, { patch: { iterations: 7 } });
      await store.commit(id, { events: [{ type: "e" }] });
      // Events are read from the store when delivered: a session deleted first takes its events along.
      await watcher.until((all) => all.length >= 6, "the live commits");
      await store.delete(id);
      const items = await watcher.until(
        (all) => all.some((item) => item.change.kind === "deleted"),
        "the delete",
      );
      await watcher.stop();
      expectDeepEqual(seqsOf(items, id), [1, 2, 3, 4, 5], "event seqs");
      expectDeepEqual(
        items.map((item) => item.event?.type ?? `(${item.change.kind})`),
        ["a", "b", "c", "d", "(committed)", "e", "(deleted)"],
        "items in order",
      );
      const stateOnly = items[4]!;
      expectDeepEqual(stateOnly.change.version, 3, "the state-only item's version");
      assert.equal(new Set(items.map((item) => item.cursor)).size, items.length, "cursors are distinct");
    },
  },
  {
    id: "SS-W-03",
    group: "SS-W",
    title:
      "resuming from any item's cursor, on another handle when there is one, yields exactly the items after it",
    requires: ["watch"],
    async run({ open, reopen, harness }) {
      const store = await open();
      const ids = [freshId("a"), freshId("b")];
      for (const id of ids) await store.create(input({ id }), { events: [{ type: "start" }] });
      for (let k = 0; k < 4; k++) {
        await store.commit(ids[k % 2]!, { events: [{ type: "step", data: { k } }, { type: "more" }] });
        if (k === 1) await store.commit(ids[0]!, { patch: { status: "paused" } });
      }
      const whole = collect(store, {}, { since: "start" });
      const all = await whole.until((items) => items.length >= 2 + 8 + 1, "every change from the start");
      await new Promise((resolve) => setTimeout(resolve, 50));
      await whole.stop();
      assert.equal(all.length, 2 + 8 + 1, `every item once: ${describeItems(all)}`);
      const other = harness.reopen ? await reopen() : store;
      const prng = createPrng(all.length);
      const points = [0, all.length - 1, prng.int(all.length), prng.int(all.length)];
      for (const at of points) {
        const expected = all.slice(at + 1).map((item) => item.cursor);
        const resumed = collect(other, {}, { since: all[at]!.cursor });
        const got = await resumed.until((items) => items.length >= expected.length, `the items after #${at}`);
        // Nothing more arrives: a short settle, then the exact list.
        await new Promise((resolve) => setTimeout(resolve, 50));
        await resumed.stop();
        expectDeepEqual(
          got.map((item) => item.cursor),
          expected,
          `items after cursor #${at}`,
        );
      }
    },
  },
  {
    id: "SS-W-04",
    group: "SS-W",
    title:
      "a filtered watcher sees creates, state-only commits, a session leaving the filter and deletes of matching sessions, and nothing of others",
    requires: ["watch"],
    async run({ open }) {
      const store = await open();
      const watcher = collect(store, { userId: "u1", status: ["active", "paused"] });
      const mine = freshId("m");
      const other = freshId("o");
      const leaving = freshId("l");
      await store.create(input({ id: other, userId: "u2" }), { events: [{ type: "x" }] });
      await store.create(input({ id: mine, userId: "u1" }));
      await store.create(input({ id: leaving, userId: "u1" }), { events: [{ type: "go" }] });
      await store.commit(other, { patch: { iterations: 1 } });
      await store.commit(mine, { patch: { status: "paused" } });
      await store.commit(leaving, { patch: { status: "completed" } });
      await store.commit(leaving, { events: [{ type: "late" }] });
      await store.delete(other);
      await store.delete(mine);
      const items = await watcher.until(
        (all) => all.some((item) => item.change.kind === "deleted"),
        "the delete of the matching session",
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      await watcher.stop();
      expectDeepEqual(
        watcher.items.map(
          (item) =>
            `${item.sessionId === mine ? "mine" : item.sessionId === leaving ? "leaving" : "other"}:${item.change.kind}${item.event ? `:${item.event.type}` : ""}`,
        ),
        ["mine:created", "leaving:created:go", "mine:committed", "leaving:committed", "mine:deleted"],
        "what the filtered watcher saw",
      );
      expectDeepEqual(items[3]!.change.status, "completed", "the leaving commit's status");
    },
  },
  {
    id: "SS-W-05",
    group: "SS-W",
    title:
      "aborting the signal ends a waiting iteration (next() resolves done); close() of the store ends others with ERR_STORE_CLOSED",
    requires: ["watch"],
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }));
      const controller = new AbortController();
      const iterator = store.watch(id, { signal: controller.signal })[Symbol.asyncIterator]();
      const pending = iterator.next();
      setTimeout(() => controller.abort(), 20);
      expectDeepEqual((await pending).done, true, "next() after abort: done");
      const waiting = store.watch({})[Symbol.asyncIterator]().next();
      // Handled below, after close(); marked now so the rejection is never reported as unhandled.
      waiting.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await store.close();
      await expectCode(waiting, "ERR_STORE_CLOSED", "a watcher waiting when its store closed");
    },
  },
  {
    id: "SS-W-06",
    group: "SS-W",
    title: "200 watchers on one handle each get every commit of their session, in order",
    requires: ["watch"],
    async run({ open }) {
      const store = await open();
      const ids = Array.from({ length: 10 }, () => freshId("w"));
      for (const id of ids) await store.create(input({ id }));
      const watchers = Array.from({ length: 200 }, (_, k) => collect(store, ids[k % ids.length]!));
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (let round = 0; round < 3; round++) {
        for (const id of ids) await store.commit(id, { events: [{ type: "tick", data: { round } }] });
      }
      for (const [k, watcher] of watchers.entries()) {
        const id = ids[k % ids.length]!;
        const items = await watcher.until((all) => all.length >= 3, `watcher ${k}`);
        expectDeepEqual(seqsOf(items as WatchItem[], id), [1, 2, 3], `watcher ${k}'s seqs`);
      }
      await Promise.all(watchers.map((watcher) => watcher.stop()));
    },
  },
  {
    id: "SS-W-07",
    group: "SS-W",
    title: "a watcher in this process receives every event a writer process commits, in order, exactly once",
    requires: ["watch", "multiProcess", "child"],
    async run({ open, child }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }), { events: [{ type: "start" }] });
      const watcher = collect(store, id, { since: 0 });
      const writer = await child();
      const outcome = (await writer.command("hammer", [id, 200, "w"])) as { ok: number };
      assert.equal(outcome.ok, 200, "the writer's commits");
      const items = await watcher.until((all) => all.length >= 201, "all 201 events");
      await new Promise((resolve) => setTimeout(resolve, 50));
      await watcher.stop();
      expectDeepEqual(seqsOf(items, id), range(201), "seqs received");
    },
  },
  ...watchRestartCases,
  ...watchRetentionCases,
];
