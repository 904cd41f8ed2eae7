import { describe, expect, it } from "vitest";
import { createMemoryDriver, defineSessionStore } from "../src/driver-entry.js";
import { createManualClock, createMemoryStore, createSessionManager, type WatchItem } from "../src/index.js";
import { take } from "./watch-take.js";

describe("watch hub", () => {
  it("200 idle watchers on one handle share one read of the change log per commit", async () => {
    const driver = createMemoryDriver();
    const feed = driver.changes!;
    let reads = 0;
    const store = defineSessionStore({
      ...driver,
      changes: {
        ...feed,
        read(after, limit) {
          reads += 1;
          return feed.read(after, limit);
        },
      },
    });
    const { session } = await store.create({ mode: "m", task: "t" });
    const controller = new AbortController();
    const watchers = Array.from({ length: 200 }, () =>
      take(store.watch(session.id, { signal: controller.signal }), 1),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const before = reads;
    await store.commit(session.id, { events: [{ type: "tick" }] });
    const got = await Promise.all(watchers);
    expect(got.every((items) => items[0]?.event?.seq === 1)).toBe(true);
    // One coalesced refresh (its read plus the empty read that ends it), whatever the watcher count.
    expect(reads - before).toBeLessThanOrEqual(4);
    controller.abort();
    await store.close();
  });

  it("a consumer that stops pulling is not buffered for: it resumes from the store past the window", async () => {
    const store = createMemoryStore();
    const { session } = await store.create({ mode: "m", task: "t" });
    const iterator = store.watch(session.id, { since: 0 })[Symbol.asyncIterator]();
    for (let k = 0; k < 600; k++) await store.commit(session.id, { events: [{ type: "e", data: { k } }] });
    const seqs: number[] = [];
    while (seqs.length < 600) {
      const next = await iterator.next();
      seqs.push(next.value!.event!.seq);
    }
    expect(seqs).toEqual(Array.from({ length: 600 }, (_, k) => k + 1));
    await iterator.return?.();
    await store.close();
  });

  it("a store without a change log refuses watch with ERR_UNSUPPORTED_CAPABILITY", () => {
    const { changes: _, ...plain } = createMemoryDriver();
    const store = defineSessionStore(plain);
    expect(store.capabilities.watch).toBe(false);
    expect(() => store.watch("session_abc")).toThrow(
      expect.objectContaining({ code: "ERR_UNSUPPORTED_CAPABILITY" }),
    );
  });

  it("sessions.watch() on the manager delivers the store's changes", async () => {
    const store = createMemoryStore({ clock: createManualClock("2026-01-01T00:00:00.000Z") });
    const sessions = createSessionManager({ store });
    const started = await sessions.start({ mode: "m", task: "t" });
    const feed = take(sessions.watch(started.id, { since: 0 }), 2);
    await sessions.addEvent(started.id, "note", { n: 1 });
    const items = await feed;
    expect(items.map((item) => item.event?.type)).toEqual(["start", "note"]);
    await sessions.close();
    await store.close();
  });
});
