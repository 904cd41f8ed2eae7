import { describe, expect, it, vi } from "vitest";
import { createMemoryDriver, defineSessionStore, SessionKitError } from "../src/driver-entry.js";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  type SessionStore,
} from "../src/index.js";
import { take } from "./watch-take.js";

/** A memory store whose change-log reads are counted (no backstop re-read during a test). */
function countingStore() {
  const driver = createMemoryDriver();
  const feed = driver.changes!;
  let count = 0;
  const store = defineSessionStore({
    ...driver,
    changes: {
      ...feed,
      pollMs: 3_600_000,
      read(after, limit) {
        count += 1;
        return feed.read(after, limit);
      },
    },
  });
  return { store, reads: () => count };
}

async function sessions(store: SessionStore, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let k = 0; k < count; k++) ids.push((await store.create({ mode: "m", task: `t${k}` })).session.id);
  return ids;
}

describe("watch hub", () => {
  it("200 idle watchers on one handle share one read of the change log per commit", async () => {
    const { store, reads } = countingStore();
    const { session } = await store.create({ mode: "m", task: "t" });
    const controller = new AbortController();
    const watchers = Array.from({ length: 200 }, () =>
      take(store.watch(session.id, { signal: controller.signal }), 1),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const before = reads();
    await store.commit(session.id, { events: [{ type: "tick" }] });
    const got = await Promise.all(watchers);
    expect(got.every((items) => items[0]?.event?.seq === 1)).toBe(true);
    // One coalesced refresh (its read plus the empty read that ends it), whatever the watcher count.
    expect(reads() - before).toBeLessThanOrEqual(4);
    controller.abort();
    await store.close();
  });

  it("a commit wakes only the watchers it concerns: 200 watchers of other sessions cost no read of the log", async () => {
    const { store, reads } = countingStore();
    const others = await sessions(store, 10);
    const { session: busy } = await store.create({ mode: "m", task: "busy" });
    const controller = new AbortController();
    const watchers = Array.from({ length: 200 }, (_, w) =>
      take(store.watch(others[w % others.length]!, { signal: controller.signal }), 1),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const before = reads();
    for (let k = 0; k < 50; k++) await store.commit(busy.id, { events: [{ type: "e", data: { k } }] });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(reads() - before).toBe(0);
    // Their own sessions still wake them, past the 50 changes they slept through.
    await store.commit(others[3]!, { events: [{ type: "mine" }] });
    const mine = await Promise.all(watchers.filter((_, w) => w % others.length === 3));
    expect(mine.map((items) => items[0]?.event?.type)).toEqual(Array(20).fill("mine"));
    controller.abort();
    await Promise.all(watchers);
    await store.close();
  });

  it("a memory store runs no backstop re-read: 200 idle watchers cost no read of its change log however long it runs", async () => {
    // Before: a read every second of every change skipped since the last (~130,000 on a busy store).
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const driver = createMemoryDriver();
      const feed = driver.changes!;
      let reads = 0;
      const store = defineSessionStore({
        ...driver,
        changes: { ...feed, read: (after, limit) => (reads++, feed.read(after, limit)) },
      });
      const others = await sessions(store, 10);
      const { session: busy } = await store.create({ mode: "m", task: "busy" });
      const controller = new AbortController();
      const watchers = Array.from({ length: 200 }, (_, w) =>
        take(store.watch(others[w % others.length]!, { signal: controller.signal }), 1),
      );
      await new Promise((resolve) => setImmediate(resolve));
      const before = reads;
      for (let second = 0; second < 5; second++) {
        for (let k = 0; k < 20; k++) await store.commit(busy.id, { events: [{ type: "e" }] });
        await vi.advanceTimersByTimeAsync(1000);
      }
      expect(reads - before).toBe(0);
      controller.abort();
      await Promise.all(watchers);
      await store.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("200 filter watchers that a commit does not match cost one read of the log per commit, not more", async () => {
    const { store, reads } = countingStore();
    const { session: busy } = await store.create({ mode: "m", task: "busy", userId: "u_busy" });
    const controller = new AbortController();
    const watchers = Array.from({ length: 200 }, (_, w) =>
      take(store.watch({ userId: `u_${w}` }, { signal: controller.signal }), 1),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const before = reads();
    for (let k = 0; k < 50; k++) await store.commit(busy.id, { events: [{ type: "e", data: { k } }] });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(reads() - before).toBeLessThanOrEqual(50);
    const { session } = await store.create({ mode: "m", task: "t", userId: "u_7" });
    expect((await watchers[7]!)[0]?.sessionId).toBe(session.id);
    controller.abort();
    await Promise.all(watchers);
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
