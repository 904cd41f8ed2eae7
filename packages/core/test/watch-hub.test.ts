import { describe, expect, it } from "vitest";
import { createMemoryDriver, defineSessionStore, SessionKitError } from "../src/driver-entry.js";
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

  it("a handle that falls behind the kept change log within one refresh passes ERR_CURSOR_EXPIRED on", async () => {
    // Handle A reads a feed that keeps only the latest change; handle B writes; A is woken only by
    // hand (and by its own watcher's wait), so A's hub is behind what is kept when it next refreshes.
    // Before the fix the hub swallowed the refresh's error and the watcher waited forever.
    const driver = createMemoryDriver();
    const feed = driver.changes!;
    let wakeA: (() => void) | undefined;
    const a = defineSessionStore({
      ...driver,
      changes: {
        ...feed,
        pollMs: 3_600_000,
        async read(after, limit) {
          const head = await feed.head();
          if (after > 0 && after < head - 1) {
            throw new SessionKitError("ERR_CURSOR_EXPIRED", `kept only #${head}, asked after #${after}`);
          }
          return feed.read(after, limit);
        },
        subscribe(wake) {
          wakeA = wake;
          return () => undefined;
        },
      },
    });
    const b = defineSessionStore(driver);
    const { session } = await b.create({ mode: "m", task: "t" });
    const iterator = a.watch({})[Symbol.asyncIterator]();
    const first = iterator.next();
    await b.commit(session.id, { events: [{ type: "tick" }] });
    let delivered = false;
    void first.then(() => {
      delivered = true;
    });
    // A's hub holds the commit in its window once the first item is out; it is idle after that.
    await expect
      .poll(
        () => {
          wakeA?.();
          return delivered;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    expect((await first).value?.event?.type).toBe("tick");
    // Nobody waits on A and nothing wakes it: its head stays behind while B writes past what is kept.
    for (let k = 0; k < 3; k++) await b.commit(session.id, { events: [{ type: "tick" }] });
    const next = iterator.next();
    const outcome = await Promise.race([
      next.then(
        () => "an item",
        (error: unknown) => (error as SessionKitError).code,
      ),
      new Promise((resolve) => setTimeout(() => resolve("still waiting after 10 s"), 10_000)),
    ]);
    expect(outcome).toBe("ERR_CURSOR_EXPIRED");
    await a.close();
    await b.close();
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
