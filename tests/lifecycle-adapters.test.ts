import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createTestContext } from "@sessionkit/conformance";
import { createSessionManager, type SessionManager } from "@sessionkit/core";
import { describe, expect, it } from "vitest";
import { PG_URL, type RepoAdapter, repoAdapters } from "./adapters.js";

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL("./lifecycle-child.mjs", import.meta.url));
const ROUNDS = 30;
const adapters = await repoAdapters();

/** Opens a manager (and a second one on another handle, when the adapter has one) on fresh storage. */
async function withManagers(
  adapter: RepoAdapter,
  body: (
    one: SessionManager,
    two: SessionManager | undefined,
    info: { dir: string; namespace: string },
  ) => Promise<void>,
): Promise<void> {
  const handle = createTestContext(`lc-${adapter.name}`);
  try {
    const store = await adapter.create(handle.ctx);
    handle.ctx.onCleanup(() => store.close());
    const other = adapter.reopen ? await adapter.reopen(handle.ctx) : undefined;
    if (other) handle.ctx.onCleanup(() => other.close());
    const one = createSessionManager({ store, clock: handle.ctx.clock });
    const two = other ? createSessionManager({ store: other, clock: handle.ctx.clock }) : undefined;
    await body(one, two, { dir: handle.ctx.dir, namespace: handle.ctx.namespace });
    await one.close();
    await two?.close();
  } finally {
    const errors = await handle.cleanup();
    expect(errors).toEqual([]);
  }
}

for (const adapter of adapters) {
  describe(`lifecycle races on ${adapter.name}`, () => {
    if (adapter.skip !== undefined) {
      it.skip(`all cases [skipped: ${adapter.skip}]`, () => undefined);
      return;
    }

    it(`Promise.all([complete, recordToolCall]) × ${ROUNDS}: neither rejects, every event is in the history`, async () => {
      await withManagers(adapter, async (one, two) => {
        const other = two ?? one;
        for (let round = 0; round < ROUNDS; round++) {
          const s = await one.start({ task: "t", mode: "m" });
          await Promise.all([
            one.complete(s.id, "done"),
            other.recordToolCall(s.id, "bash", { round }, "ok"),
          ]);
          const full = (await one.getWithHistory(s.id))!;
          const types = full.history.map((e) => e.type);
          expect([...types].sort()).toEqual(["complete", "start", "tool_call"]);
          expect(full).toMatchObject({ status: "completed", result: "done" });
        }
      });
    });

    it(`Promise.all([incrementIteration at the limit, recordLearning]) × ${ROUNDS}: neither rejects, every event is in the history`, async () => {
      await withManagers(adapter, async (one, two) => {
        const other = two ?? one;
        for (let round = 0; round < ROUNDS; round++) {
          const s = await one.start({ task: "t", mode: "m", maxIterations: 2 });
          await one.incrementIteration(s.id);
          await Promise.all([
            one.incrementIteration(s.id, { round }),
            other.recordLearning(s.id, `insight ${round}`, "expertise.md"),
          ]);
          const full = (await one.getWithHistory(s.id))!;
          const types = full.history.map((e) => e.type);
          expect(full).toMatchObject({ status: "timeout", iterations: 2 });
          expect([...types].sort()).toEqual(["iteration", "iteration", "learning", "start", "timeout"]);
        }
      });
    });

    it("50 concurrent increments count 50 (split over two handles when the adapter has them)", async () => {
      await withManagers(adapter, async (one, two) => {
        const s = await one.start({ task: "t", mode: "m", maxIterations: 1000 });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) =>
            (i % 2 === 1 && two ? two : one).incrementIteration(s.id, { i }),
          ),
        );
        expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
        const full = (await one.getWithHistory(s.id))!;
        expect(full.iterations).toBe(50);
        expect(full.version).toBe(51);
        const seen = full.history.filter((e) => e.type === "iteration").map((e) => e.data.i as number);
        expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      });
    });

    const crossProcess = adapter.name !== "memory";
    it.skipIf(!crossProcess)(
      `two child processes and the parent update one session at once: nothing is lost${crossProcess ? "" : " [skipped: the memory store is per-process]"}`,
      async () => {
        await withManagers(adapter, async (one, _two, { dir, namespace }) => {
          const s = await one.start({ task: "t", mode: "m", maxIterations: 1000 });
          const storage =
            adapter.name === "fs"
              ? join(dir, "sessions")
              : adapter.name === "sqlite"
                ? join(dir, "sessions.sqlite")
                : dir;
          const child = (tag: string) =>
            run(process.execPath, [
              CHILD,
              JSON.stringify({
                adapter: adapter.name,
                dir: storage,
                namespace,
                pgUrl: PG_URL,
                sessionId: s.id,
                count: 20,
                tag,
              }),
            ]).then(({ stdout }) => JSON.parse(stdout.trim()) as string[]);
          const parent = (async () => {
            const out: string[] = [];
            for (let i = 0; i < 20; i++) {
              out.push(
                await one.updateContext(s.id, { [`p${i}`]: i }).then(
                  () => "ok",
                  (e) => e.code,
                ),
              );
            }
            return out;
          })();
          const [a, b, p] = await Promise.all([child("a"), child("b"), parent]);
          expect([...a, ...b, ...p].every((o) => o === "ok")).toBe(true);
          const full = (await one.getWithHistory(s.id))!;
          expect(full.iterations).toBe(20);
          expect(full.history).toHaveLength(61);
          expect(full.history.map((e) => e.seq)).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
          expect(full.metadata?.toolsUsed?.slice().sort()).toEqual(["a-tool", "b-tool"]);
          expect(Object.keys(full.context)).toHaveLength(20);
        });
      },
    );
  });
}
