import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type SessionSummary, toSummary } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { describe, expect, it } from "vitest";
import { startWorker, tempDir, type Worker } from "./helpers.js";

const LANES = 8;
const ROUNDS_PER_LANE = 13;
const STALE_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reported outcomes of a tagged worker: the n of every success and of every failure. */
function outcomes(worker: Worker): { ok: number[]; failed: number[] } {
  const ok: number[] = [];
  const failed: number[] = [];
  for (const line of worker.lines) {
    const parts = line.split(" ");
    if (parts[0] === "ok") ok.push(Number(parts[1]));
    if (parts[0] === "err") failed.push(Number(parts[2]));
  }
  return { ok, failed };
}

async function progress(worker: Worker, after: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (outcomes(worker).ok.length <= after && Date.now() < deadline) await sleep(10);
}

/** One session, a writer stopped (SIGSTOP) past the stale time at random points, another writer meanwhile. */
async function lane(dir: string, id: string, rounds: number): Promise<{ victim: Worker; other: Worker }> {
  const victim = startWorker({ mode: "tagged", dir, id, worker: "victim", lockStaleMs: STALE_MS });
  const other = startWorker({ mode: "tagged", dir, id, worker: "other", lockStaleMs: STALE_MS });
  await Promise.all([victim.waitFor("ready"), other.waitFor("ready")]);
  for (let round = 0; round < rounds; round++) {
    await sleep(10 + Math.random() * 120);
    victim.child.kill("SIGSTOP");
    const seen = outcomes(other).ok.length;
    // The other writer gets in only by taking over the stopped writer's lock once it is stale.
    await progress(other, seen + 2, STALE_MS * 4);
    await sleep(Math.random() * 40);
    victim.child.kill("SIGCONT");
    await progress(victim, outcomes(victim).ok.length, STALE_MS * 4);
  }
  for (const worker of [victim, other]) worker.child.stdin?.end("stop\n");
  await Promise.all([victim.exited, other.exited]);
  return { victim, other };
}

describe("store-fs: a writer stopped past lockStaleMs inside its commit", () => {
  it(
    `${LANES * ROUNDS_PER_LANE} rounds of SIGSTOP/SIGCONT while another process commits: every reported success is in the history exactly once, nothing else is, every log parses, the index equals a full scan`,
    async () => {
      const dir = tempDir();
      const store = createFsStore({ dir, durability: "none", lockStaleMs: STALE_MS });
      const ids: string[] = [];
      for (let n = 0; n < LANES; n++) ids.push((await store.create({ mode: "m", task: `lane ${n}` })).session.id);
      const lanes = await Promise.all(ids.map((id) => lane(dir, id, ROUNDS_PER_LANE)));

      for (const [n, id] of ids.entries()) {
        const { victim, other } = lanes[n] as { victim: Worker; other: Worker };
        const full = await store.getWithHistory(id);
        const keys = (full?.history ?? []).map((event) => `${event.data.w}:${event.data.n}`);
        expect(new Set(keys).size, `events of ${id} recorded more than once`).toBe(keys.length);
        const reported = [
          ...outcomes(victim).ok.map((k) => `victim:${k}`),
          ...outcomes(other).ok.map((k) => `other:${k}`),
        ];
        expect(new Set(keys), `successes of ${id} versus its history`).toEqual(new Set(reported));
        expect(full?.history.map((event) => event.seq)).toEqual(keys.map((_, k) => k + 1));
        expect(full?.version).toBe(keys.length + 1);
        expect(outcomes(victim).ok.length, "the stopped writer kept committing between stops").toBeGreaterThan(
          ROUNDS_PER_LANE,
        );
      }

      // The index (list) equals a full scan of the session files.
      const scanned = createFsStore({ dir: join(dir), durability: "none" });
      const direct: SessionSummary[] = [];
      for (const name of readdirSync(dir).filter((entry) => ids.includes(entry))) {
        const session = await scanned.get(name);
        if (session) direct.push(toSummary(session));
      }
      const listed = (await store.list({ limit: 100 })).items;
      const byId = (rows: SessionSummary[]) => Object.fromEntries(rows.map((row) => [row.id, row]));
      expect(byId(listed)).toEqual(byId(direct));
      await scanned.close();
      await store.close();
    },
    240_000,
  );
});
