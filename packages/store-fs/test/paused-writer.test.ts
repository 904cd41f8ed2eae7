import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createFsStore } from "@sessionkit/store-fs";
import { describe, expect, it } from "vitest";
import { startWorker, tempDir, type Worker } from "./helpers.js";

const ROUNDS = Number(process.env.STORE_FS_PAUSE_ROUNDS ?? 100);
const STALE_MS = Number(process.env.STORE_FS_PAUSE_STALE_MS ?? 250);

/** "ok n" / "err CODE n" lines of a tagged worker, by outcome. */
function outcomes(worker: Worker) {
  const ok: number[] = [];
  const failed: number[] = [];
  const codes = new Set<string>();
  for (const line of worker.lines) {
    const parts = line.split(" ");
    if (parts[0] === "ok") ok.push(Number(parts[1]));
    else if (parts[0] === "err") {
      failed.push(Number(parts[2]));
      codes.add(String(parts[1]));
    }
  }
  return { ok, failed, codes };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("store-fs: a lock holder stopped (SIGSTOP) past the stale time at random points of its commits", () => {
  it(`every commit that reported success is in the history exactly once, no failed one is, logs parse, the index equals a full scan (${ROUNDS} rounds)`, async () => {
    const dir = tempDir();
    const store = createFsStore({ dir, durability: "none", lockStaleMs: STALE_MS });
    const ids = [
      (await store.create({ mode: "m", task: "shared" })).session.id,
      (await store.create({ mode: "m", task: "second" })).session.id,
    ];
    // Two writers on each session; one of each pair is stopped in turn, the other commits meanwhile.
    const workers = [0, 1, 2, 3].map((worker) =>
      startWorker({
        mode: "tagged",
        dir,
        id: ids[worker % 2],
        worker,
        pauseMs: 0,
        lockStaleMs: STALE_MS,
        durability: worker === 3 ? "fsync" : "none",
        checkpointEvery: 1 + worker * 3,
      }),
    );
    await Promise.all(workers.map((worker) => worker.waitFor("ready")));
    for (let round = 0; round < ROUNDS; round++) {
      const victim = workers[round % workers.length] as Worker;
      await sleep(Math.random() * 15);
      victim.child.kill("SIGSTOP");
      // Past the stale time: the other writer of that session takes the lock over and commits.
      await sleep(STALE_MS + 60 + Math.random() * 40);
      victim.child.kill("SIGCONT");
    }
    for (const worker of workers) worker.child.stdin?.end("stop\n");
    expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual([0, 0, 0, 0]);

    const fresh = createFsStore({ dir, durability: "none" });
    let lateWrites = 0;
    let passedOver = 0;
    for (const [k, id] of ids.entries()) {
      const full = await fresh.getWithHistory(id);
      if (!full) throw new Error(`session ${id} is gone`);
      expect(full.history.map((event) => event.seq)).toEqual(
        Array.from({ length: full.eventCount }, (_, i) => i + 1),
      );
      expect(full.version).toBe(full.eventCount + 1);
      const seen = new Map<string, number>();
      for (const event of full.history) {
        const key = `${event.data.w}:${event.data.n}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      for (const worker of workers.filter((_, w) => w % 2 === k)) {
        const { ok, failed, codes } = outcomes(worker);
        // A takeover race is never an I/O error: the late writer is refused, a waiter may time out.
        for (const code of codes) expect(["ERR_LOCK_COMPROMISED", "ERR_STORE_BUSY"]).toContain(code);
        const w = workers.indexOf(worker);
        expect(ok.length).toBeGreaterThan(0);
        for (const n of ok) expect(seen.get(`${w}:${n}`), `worker ${w} op ${n} reported ok`).toBe(1);
        for (const n of failed)
          expect(seen.get(`${w}:${n}`), `worker ${w} op ${n} reported a failure`).toBe(undefined);
        lateWrites += failed.length;
      }
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
      expect(await fresh.readEvents(id, { fromSeq: full.eventCount - 2 })).toEqual(full.history.slice(-3));
      // Every line of the log is JSON (late duplicates included: they are whole lines, passed over).
      const lines = readFileSync(join(dir, id, "log.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean);
      let last = 0;
      for (const line of lines) {
        const { v } = JSON.parse(line) as { v: number };
        if (v <= last) passedOver += 1;
        else last = v;
      }
    }
    for (const handle of [store, fresh]) {
      const page = await handle.list({ limit: 100 });
      expect(page.corrupt).toEqual([]);
      for (const item of page.items) {
        const direct = await handle.get(item.id);
        expect({ version: item.version, status: item.status, updatedAt: item.updatedAt }).toEqual({
          version: direct?.version,
          status: direct?.status,
          updatedAt: direct?.updatedAt,
        });
      }
    }
    const listed = (await fresh.list()).items;
    fresh.rebuildIndex();
    expect((await fresh.list()).items).toEqual(listed);
    // No lock is left behind by writers that exited normally.
    expect(readdirSync(dir).filter((name) => name.endsWith(".lock"))).toEqual([]);
    console.info(
      `store-fs paused-writer test: ${lateWrites} commits refused after a takeover, ${passedOver} late lines passed over`,
    );
    await store.close();
    await fresh.close();
  }, 120_000);
});
