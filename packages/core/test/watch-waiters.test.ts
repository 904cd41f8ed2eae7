import { describe, expect, it } from "vitest";
import { createMemoryDriver, defineSessionStore } from "../src/driver-entry.js";
import { createWatchHub } from "../src/watch-hub.js";

/** A hub over a real memory driver's change log, and a store handle writing to the same driver. */
function hubAndStore() {
  const driver = createMemoryDriver();
  const store = defineSessionStore(driver);
  const hub = createWatchHub(
    { ...driver.changes!, pollMs: 3_600_000 },
    (id, fromSeq, toSeq) => store.readEvents(id, { fromSeq, toSeq }),
    "test",
  );
  return { store, hub, head: async () => hub.head() };
}

/**
 * Starts one wait of `scope` at the hub's head, makes `noise` (changes the scope must sleep
 * through), then `own` (the first change it must wake for); returns where the wait woke.
 */
async function wakeOf(
  parts: ReturnType<typeof hubAndStore>,
  scope: Parameters<ReturnType<typeof createWatchHub>["join"]>[0],
  noise: () => Promise<unknown>,
  own: () => Promise<unknown>,
): Promise<{ early: number | undefined; woke: number; expected: number }> {
  const { hub, head } = parts;
  let woke: number | undefined;
  void hub.waitPast(await head(), scope).then((from) => {
    woke = from;
  });
  await noise();
  await new Promise((resolve) => setTimeout(resolve, 30));
  const early = woke;
  const expected = await head();
  await own();
  await expect.poll(() => woke, { timeout: 5_000 }).toBeDefined();
  return { early, woke: woke!, expected };
}

const twenty = (commit: () => Promise<unknown>) => async () => {
  for (let k = 0; k < 20; k++) await commit();
};

describe("watch waiters", () => {
  it("a filter waiter sleeps through changes its filter does not match and wakes just before the first that does", async () => {
    const parts = hubAndStore();
    const { store, hub } = parts;
    const scope = { filter: { userId: "u_me" } };
    const { session: other } = await store.create({ mode: "m", task: "t", userId: "u_other" });
    const leave = hub.join(scope);
    const { early, woke, expected } = await wakeOf(
      parts,
      scope,
      twenty(() => store.commit(other.id, { events: [{ type: "e" }] })),
      () => store.create({ mode: "m", task: "t", userId: "u_me" }),
    );
    expect(early).toBeUndefined();
    expect(woke).toBe(expected);
    leave();
    hub.close();
    await store.close();
  });

  it("a session waiter sleeps through other sessions' changes and wakes just before its own", async () => {
    const parts = hubAndStore();
    const { store, hub } = parts;
    const { session: mine } = await store.create({ mode: "m", task: "t" });
    const { session: other } = await store.create({ mode: "m", task: "t" });
    const scope = { sessionId: mine.id };
    const leave = hub.join(scope);
    // The memory driver names the session in its wake-up: the noise is not even read.
    const { early, woke, expected } = await wakeOf(
      parts,
      scope,
      twenty(() => store.commit(other.id, { events: [{ type: "e" }] })),
      () => store.commit(mine.id, { events: [{ type: "mine" }] }),
    );
    expect(early).toBeUndefined();
    expect(woke).toBe(expected);
    const entries = await hub.read(woke);
    expect(entries[0]?.change.sessionId).toBe(mine.id);
    leave();
    hub.close();
    await store.close();
  });

  it("a waiter from before the hub's first read of the head is woken for a change that landed in between", async () => {
    // Found on Redis (SS-W-06): a watcher took the store's head, then a commit landed, then the hub
    // started its window at the newer head and moved the waiter past the commit it never checked.
    const driver = createMemoryDriver();
    const store = defineSessionStore(driver);
    const { session: mine } = await store.create({ mode: "m", task: "t" });
    const feed = driver.changes!;
    let land = true;
    const hub = createWatchHub(
      {
        ...feed,
        pollMs: 3_600_000,
        head() {
          if (land) {
            land = false;
            store.sync().commit(mine.id, { events: [{ type: "between" }] });
          }
          return feed.head();
        },
      },
      (id, fromSeq, toSeq) => store.readEvents(id, { fromSeq, toSeq }),
      "test",
    );
    const scope = { sessionId: mine.id };
    const leave = hub.join(scope);
    const start = await feed.head();
    let woke: number | undefined;
    void hub.waitPast(start, scope).then((from) => {
      woke = from;
    });
    await expect.poll(() => woke, { timeout: 5_000 }).toBe(start);
    const entries = await hub.read(start);
    expect(entries.map((entry) => entry.change.sessionId)).toEqual([mine.id]);
    leave();
    hub.close();
    await store.close();
  });
});
