// Filling a store with many sessions (untimed), by the adapter's fastest honest path through its
// public API: the sync face where there is one, else importSession with several in flight.
import { openStore } from "./adapters.mjs";

/**
 * Imports `count` sessions built by `make(i)` → {session, events} into the storage of `spec`.
 * Returns the open store when the storage lives only in memory, else closes it and returns null.
 */
export async function seedStore(spec, count, make) {
  // fs: the on-disk format does not depend on durability, so seeding skips the fsyncs.
  const seedSpec =
    spec.adapter === "fs" ? { ...spec, options: { ...spec.options, durability: "none" } } : spec;
  const store = await openStore(seedSpec);
  try {
    if (store.capabilities.sync) {
      const face = store.sync();
      for (let i = 0; i < count; i++) {
        const { session, events } = make(i);
        face.importSession(session, events);
      }
    } else {
      const inFlight = 16;
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const { session, events } = make(next++);
          await store.importSession(session, events);
        }
      };
      await Promise.all(Array.from({ length: inFlight }, worker));
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  if (spec.adapter === "memory") return store;
  await store.close();
  return null;
}
