import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryStore, type SessionStore } from "../src/index.js";

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
afterEach(() => {
  process.off("warning", onWarning);
  warnings.length = 0;
});

/** Starts `count` watchers of `ids` (round robin) on one signal; each resolves to its items once it ends. */
function watchers(store: SessionStore, ids: string[], count: number, signal: AbortSignal) {
  return Array.from({ length: count }, async (_, w) => {
    const items = [];
    for await (const item of store.watch(ids[w % ids.length]!, { signal })) items.push(item);
    return items;
  });
}

describe("watchers sharing one AbortSignal", () => {
  it("200 watchers on one signal add one abort listener, warn nothing, and all end on abort", async () => {
    process.on("warning", onWarning);
    const store = createMemoryStore();
    const ids: string[] = [];
    for (let k = 0; k < 10; k++) ids.push((await store.create({ mode: "m", task: `t${k}` })).session.id);
    const controller = new AbortController();
    const running = watchers(store, ids, 200, controller.signal);
    // Every watcher is waiting (one commit each wakes them and they go back to waiting).
    for (const id of ids) await store.commit(id, { events: [{ type: "e" }] });
    await new Promise((resolve) => setImmediate(resolve));
    expect(getEventListeners(controller.signal, "abort").length).toBe(1);
    controller.abort();
    const ended = await Promise.all(running);
    expect(ended.every((items) => items.length === 1 && items[0]?.event?.type === "e")).toBe(true);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    await store.close();
  });

  it("a signal that outlives its watchers keeps no listener once they end", async () => {
    const store = createMemoryStore();
    const { session } = await store.create({ mode: "m", task: "t" });
    const controller = new AbortController();
    const ends = Array.from({ length: 50 }, async () => {
      for await (const item of store.watch(session.id, { signal: controller.signal })) return item;
      return undefined;
    });
    await new Promise((resolve) => setImmediate(resolve));
    await store.commit(session.id, { events: [{ type: "e" }] });
    const got = await Promise.all(ends);
    expect(got.every((item) => item?.event?.seq === 1)).toBe(true);
    expect(getEventListeners(controller.signal, "abort").length).toBe(0);
    await store.close();
  });
});
