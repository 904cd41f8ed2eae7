import type { WatchItem } from "../src/index.js";

/** The first `count` items of a watch (it stops the iteration there), for watch tests of every store. */
export async function take(iterable: AsyncIterable<WatchItem>, count: number): Promise<WatchItem[]> {
  const items: WatchItem[] = [];
  for await (const item of iterable) {
    items.push(item);
    if (items.length === count) break;
  }
  return items;
}
