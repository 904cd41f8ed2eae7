import fs, { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createFsStore } from "@sessionkit/store-fs";
import { describe, expect, it } from "vitest";
import { startWorker, tempDir } from "./helpers.js";

/** Polls `check` until it holds (bounded): an outcome, not a timing assertion. */
async function eventually(check: () => boolean, limitMs = 5000): Promise<boolean> {
  const until = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describe("store-fs: held leases", () => {
  it("a run of commits keeps the session's lock; it is released once the writer goes idle, and at close()", async () => {
    const dir = tempDir();
    const store = createFsStore({ dir, durability: "none" });
    const { session } = await store.create({ mode: "m", task: "t" });
    const lock = join(dir, `${session.id}.lock`);
    await store.commit(session.id, { events: [{ type: "a" }] });
    await store.commit(session.id, { events: [{ type: "b" }] });
    expect(existsSync(lock)).toBe(true);
    expect(readdirSync(lock).filter((name) => name.endsWith(".owner"))).toHaveLength(1);
    expect(await eventually(() => !existsSync(lock))).toBe(true);
    store.sync().commit(session.id, { events: [{ type: "c" }] });
    store.sync().commit(session.id, { events: [{ type: "d" }] });
    expect(existsSync(lock)).toBe(true);
    await store.close();
    expect(existsSync(lock)).toBe(false);
    const reader = createFsStore({ dir });
    expect((await reader.getWithHistory(session.id))?.history.map((event) => event.type)).toEqual([
      "a",
      "b",
      "c",
      "d",
    ]);
    await reader.close();
  });

  it("a lease left by a process killed with SIGKILL on this host is taken over at once, not after lockStaleMs", async () => {
    const dir = tempDir();
    const store = createFsStore({ dir, durability: "none", lockStaleMs: 60_000, lockTimeoutMs: 3000 });
    const { session } = await store.create({ mode: "m", task: "t" });
    const worker = startWorker({ mode: "loop", dir, id: session.id, lockStaleMs: 60_000 });
    await worker.waitFor("ready");
    const lock = join(dir, `${session.id}.lock`);
    // The worker commits in a loop, so it holds its lease: kill it while the lock is there.
    expect(await eventually(() => existsSync(lock))).toBe(true);
    worker.child.kill("SIGKILL");
    await worker.exited;
    const before = await store.get(session.id);
    const { session: next } = await store.commit(session.id, { events: [{ type: "after-kill" }] });
    expect(next.version).toBe((before?.version ?? 0) + 1);
    await store.close();
  });

  it("a process waiting for the lock is served while the holder keeps committing", async () => {
    const dir = tempDir();
    const store = createFsStore({ dir, durability: "none", lockTimeoutMs: 5000 });
    const { session } = await store.create({ mode: "m", task: "t" });
    const worker = startWorker({ mode: "loop", dir, id: session.id });
    await worker.waitFor("ready");
    try {
      // The worker never stops committing; each of these commits must still get its turn.
      for (let n = 0; n < 20; n++) {
        const { session: after } = await store.commit(session.id, { events: [{ type: "parent" }] });
        expect(after.eventCount).toBeGreaterThan(n);
      }
    } finally {
      worker.child.kill("SIGKILL");
      await worker.exited;
    }
    await store.close();
  });

  it("group commit: concurrent durable commits to one session share fdatasyncs, and every one is in the history", async () => {
    const dir = tempDir();
    const store = createFsStore({ dir, durability: "fsync" });
    const { session } = await store.create({ mode: "m", task: "t" });
    const open = fs.promises.open;
    let flushes = 0;
    // Counts the flusher's fdatasyncs (it opens the log and calls datasync on the handle).
    fs.promises.open = (async (...args: Parameters<typeof open>) => {
      const handle = await open(...args);
      const datasync = handle.datasync.bind(handle);
      handle.datasync = async () => {
        flushes += 1;
        return datasync();
      };
      return handle;
    }) as typeof open;
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, n) =>
          store.commit(session.id, { events: [{ type: "e", data: { n } }] }),
        ),
      );
      expect(new Set(results.map((result) => result.session.version)).size).toBe(40);
    } finally {
      fs.promises.open = open;
    }
    expect(flushes).toBeGreaterThan(0);
    expect(flushes).toBeLessThan(40);
    const full = await store.getWithHistory(session.id);
    expect(full?.history.map((event) => event.data.n).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 40 }, (_, n) => n),
    );
    await store.close();
  });
});
