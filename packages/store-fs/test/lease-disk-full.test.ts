import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createSessionManager } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { afterEach, describe, expect, it } from "vitest";
import { enospc, hookWrites } from "./fs-faults.js";
import { tempDir } from "./helpers.js";

// The retention lease (`.sessionkit/lease-<name>.json`, written by swapLease) on a full disk: the
// write fails inside the lease's lock, so the swap must fail as ERR_STORE_IO with nothing changed,
// no temp file left and the lock released, and a retention run must delete nothing.
describe("store-fs: the retention lease on a full disk", () => {
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  const fullDiskFor = (name: string) => {
    restore = hookWrites((path) => {
      if (path.includes(name)) throw enospc();
    });
  };

  it("swapLease fails with ERR_STORE_IO (ENOSPC), keeps the held text, leaves no temp file, and works once space is back", async () => {
    const dir = tempDir();
    const store = createFsStore({ dir });
    expect(await store.swapLease("retention", null, "holder-a")).toEqual({
      swapped: true,
      current: "holder-a",
    });
    fullDiskFor("lease-retention");
    const failure = await store
      .swapLease("retention", "holder-a", "holder-b")
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "ERR_STORE_IO", details: { systemCode: "ENOSPC" } });
    restore?.();
    restore = undefined;
    const meta = join(dir, ".sessionkit");
    expect(readFileSync(join(meta, "lease-retention.json"), "utf8")).toBe("holder-a");
    expect(readdirSync(meta).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    // The lock was released: the next swap neither waits nor fails.
    expect(await store.swapLease("retention", "holder-a", "holder-b")).toEqual({
      swapped: true,
      current: "holder-b",
    });
    expect(await store.swapLease("retention", "holder-b", null)).toEqual({ swapped: true, current: null });
    await store.close();
  });

  it("applyRetention cannot take the lease on a full disk: ERR_STORE_IO, and every session is still there", async () => {
    const dir = tempDir();
    const store = createFsStore({ dir });
    const manager = createSessionManager({
      store,
      retention: [{ when: { status: "completed", olderThan: 0 }, action: "delete" }],
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const session = await manager.start({ mode: "m", task: `t${i}` });
      await manager.complete(session.id, "done");
      ids.push(session.id);
    }
    expect((await manager.applyRetention({ dryRun: true })).removed).toHaveLength(5);
    fullDiskFor("lease-");
    const failure = await manager.applyRetention().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "ERR_STORE_IO" });
    restore?.();
    restore = undefined;
    for (const id of ids) expect(await store.get(id)).not.toBeNull();
    // With space back, the run takes the lease and deletes exactly what the dry run listed.
    const run = await manager.applyRetention();
    expect(run.removed).toEqual([...ids].sort());
    for (const id of ids) expect(await store.get(id)).toBeNull();
    await manager.close();
  });
});
