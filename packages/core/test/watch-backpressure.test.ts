import { describe, expect, it } from "vitest";
import { createMemoryDriver, defineSessionStore } from "../src/driver-entry.js";
import { BUFFER_BOUND, createWatchHub } from "../src/watch-hub.js";
import { watchItems } from "../src/watch-iterate.js";
import { take } from "./watch-take.js";

const COMMITS = 10_000;

describe("watch back-pressure", () => {
  it(`a watcher that stops reading while ${COMMITS} events are committed costs the hub at most ${BUFFER_BOUND} buffered changes; it then resumes, as does its cursor, with nothing lost`, async () => {
    const driver = createMemoryDriver({ changeLog: { maxLength: 2 * COMMITS } });
    const store = defineSessionStore(driver);
    const { session } = await store.create({ mode: "m", task: "t" });
    // A hub of its own over the store's feed, so its buffer can be read; the store's writes wake it
    // through the feed's in-process listeners.
    const hub = createWatchHub(
      driver.changes!,
      async (id, fromSeq, toSeq) => driver.readEvents(id, fromSeq, toSeq),
      "test",
    );
    const scope = { sessionId: session.id };
    const history = async (id: string, fromSeq: number) => driver.readEvents(id, fromSeq, undefined);
    const slow = watchItems(hub, scope, { kind: "seq", seq: 0 }, history, undefined);
    // A fast watcher on the same hub keeps it reading (and its window moving) while the slow one sleeps.
    let fastSeen = 0;
    const fast = (async () => {
      for await (const item of watchItems(hub, scope, { kind: "now" }, history, undefined)) {
        fastSeen = item.event!.seq;
        if (fastSeen === COMMITS) return;
      }
    })();
    await store.commit(session.id, { events: [{ type: "e", data: { k: 0 } }] });
    const first = await slow.next();
    expect(first.value?.event?.seq).toBe(1);
    let most = 0;
    for (let k = 1; k < COMMITS; k++) {
      await store.commit(session.id, { events: [{ type: "e", data: { k } }] });
      if (k % 100 === 0) {
        // Let the hub catch up, then look at what it holds.
        await new Promise((resolve) => setImmediate(resolve));
        most = Math.max(most, hub.buffered());
      }
    }
    await fast;
    expect(fastSeen).toBe(COMMITS);
    most = Math.max(most, hub.buffered());
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(BUFFER_BOUND);
    // The slow watcher was never buffered for: it reads the store from its position now.
    const rest: number[] = [];
    while (rest.length < COMMITS - 1) rest.push((await slow.next()).value!.event!.seq);
    expect(rest).toEqual(Array.from({ length: COMMITS - 1 }, (_, k) => k + 2));
    await slow.return(undefined);
    // And so does a new watcher from the slow one's first cursor, in any handle.
    const resumed = await take(store.watch(session.id, { since: first.value!.cursor }), COMMITS - 1);
    expect(resumed.map((item) => item.event!.seq)).toEqual(rest);
    hub.close();
    await store.close();
  });

  it(`a hub ${COMMITS} changes behind (all of sessions nobody follows) catches up holding at most ${BUFFER_BOUND} changes`, async () => {
    // Before: one refresh pushed every page into the window and trimmed only at its end (10,000).
    const driver = createMemoryDriver({ changeLog: { maxLength: 2 * COMMITS } });
    const feed = driver.changes!;
    const store = defineSessionStore(driver);
    const { session: followed } = await store.create({ mode: "m", task: "followed" });
    const { session: busy } = await store.create({ mode: "m", task: "busy" });
    let most = 0;
    const hub = createWatchHub(
      {
        ...feed,
        read(after, limit) {
          most = Math.max(most, hub.buffered());
          return feed.read(after, limit);
        },
      },
      async (id, fromSeq, toSeq) => driver.readEvents(id, fromSeq, toSeq),
      "test",
    );
    const history = async (id: string, fromSeq: number) => driver.readEvents(id, fromSeq, undefined);
    const watcher = watchItems(hub, { sessionId: followed.id }, { kind: "now" }, history, undefined);
    const next = watcher.next();
    await new Promise((resolve) => setImmediate(resolve));
    for (let k = 0; k < COMMITS; k++) await store.commit(busy.id, { events: [{ type: "e" }] });
    await store.commit(followed.id, { events: [{ type: "mine" }] });
    expect((await next).value?.event?.type).toBe("mine");
    most = Math.max(most, hub.buffered());
    expect(most).toBeLessThanOrEqual(BUFFER_BOUND);
    await watcher.return(undefined);
    hub.close();
    await store.close();
  });
});
