import assert from "node:assert/strict";
import type { SessionStore, WatchItem } from "@sessionkit/core";
import { expectCode, expectDeepEqual, freshId, input } from "../assertions.js";
import type { CaseDefinition } from "../case.js";
import { collect, seqsOf } from "./watch-helpers.js";

/** The bound asked of the store, and how far past it the case writes (Redis trims by ~100-entry nodes). */
const LENGTH = 10;
const COMMITS = 300;

/** The first item of `store.watch({}, { since })`, or its rejection. */
async function firstItem(store: SessionStore, since: string): Promise<WatchItem | undefined> {
  const iterator = store.watch({}, { since })[Symbol.asyncIterator]();
  try {
    return (await iterator.next()).value as WatchItem | undefined;
  } finally {
    await iterator.return?.();
  }
}

/** Every event item of `id` from `since` up to seq `last`. */
async function eventsSince(store: SessionStore, id: string, since: string, last: number) {
  const watcher = collect(store, {}, { since });
  try {
    const items = await watcher.until((all) => seqsOf(all, id).includes(last), `events up to #${last}`);
    return items.filter((item) => item.sessionId === id && item.event);
  } finally {
    await watcher.stop();
  }
}

/** SS-W (retention): a bounded change log, and cursors older than it. */
export const watchRetentionCases: CaseDefinition[] = [
  {
    id: "SS-W-09",
    group: "SS-W",
    title:
      "changeLog: { maxLength }: the log is trimmed as it grows; a cursor older than it fails with ERR_CURSOR_EXPIRED naming the oldest kept cursor, which resumes with a gap-free suffix",
    requires: ["watch", "createWithChangeLog"],
    async run({ ctx, harness }) {
      const store = await harness.createWithChangeLog!(ctx, LENGTH);
      try {
        const id = freshId();
        await store.create(input({ id }));
        const tick = (k: number) => store.commit(id, { events: [{ type: "tick", data: { k } }] });
        for (let k = 1; k <= 2; k++) await tick(k);
        // Not the create's cursor: resuming after the store's very first change reads as "start".
        const early = (await eventsSince(store, id, "start", 2)).at(-1)!;
        for (let k = 3; k <= COMMITS; k++) await tick(k);

        const expired = await expectCode(
          firstItem(store, early.cursor),
          "ERR_CURSOR_EXPIRED",
          `a cursor ${COMMITS} changes back, with maxLength ${LENGTH}`,
        );
        const oldestCursor = (expired as { details?: { oldestCursor?: unknown } }).details?.oldestCursor;
        assert.equal(typeof oldestCursor, "string", "details.oldestCursor of ERR_CURSOR_EXPIRED");

        const kept = await eventsSince(store, id, oldestCursor as string, COMMITS);
        const seqs = kept.map((item) => item.event!.seq);
        const from = seqs[0]!;
        assert.ok(
          from > 1 && seqs.length < COMMITS,
          `trimmed: kept seqs ${from}..${COMMITS} of 1..${COMMITS}`,
        );
        expectDeepEqual(
          seqs,
          Array.from({ length: COMMITS - from + 1 }, (_, k) => from + k),
          "from the oldest kept cursor: a gap-free suffix",
        );
        const middle = kept[Math.floor(kept.length / 2)]!;
        const after = await eventsSince(store, id, middle.cursor, COMMITS);
        expectDeepEqual(
          after.map((item) => item.event!.seq),
          seqs.filter((seq) => seq > middle.event!.seq),
          "from a kept cursor: exactly the items after it",
        );
      } finally {
        await store.close();
      }
    },
  },
];
