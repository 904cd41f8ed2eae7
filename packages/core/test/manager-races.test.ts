import { describe, expect, it } from "vitest";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  isSessionKitError,
} from "../src/index.js";

const ROUNDS = 200;

function setup(maxCommitRetries?: number) {
  const store = createMemoryStore({ clock: createManualClock() });
  return {
    store,
    manager: createSessionManager({ store, ...(maxCommitRetries === undefined ? {} : { maxCommitRetries }) }),
  };
}

describe("read-decide-commit: no caller's update is ever lost", () => {
  it(`Promise.all([complete, recordToolCall]) × ${ROUNDS}: never rejects, both events in the history, status completed`, async () => {
    const { manager } = setup();
    for (let round = 0; round < ROUNDS; round++) {
      const s = await manager.start({ task: "t", mode: "m" });
      await Promise.all([
        manager.complete(s.id, "done"),
        manager.recordToolCall(s.id, "bash", { round }, "ok"),
      ]);
      const full = (await manager.getWithHistory(s.id))!;
      const types = full.history.map((e) => e.type);
      expect(types.filter((t) => t === "complete")).toHaveLength(1);
      expect(types.filter((t) => t === "tool_call")).toHaveLength(1);
      expect(full).toMatchObject({ status: "completed", result: "done", metadata: { toolsUsed: ["bash"] } });
      expect(full.history.map((e) => e.seq)).toEqual(types.map((_, i) => i + 1));
    }
  });

  it(`Promise.all([incrementIteration at the limit, recordLearning]) × ${ROUNDS}: never rejects, both kept, status timeout`, async () => {
    const { manager } = setup();
    for (let round = 0; round < ROUNDS; round++) {
      const s = await manager.start({ task: "t", mode: "m", maxIterations: 2 });
      await manager.incrementIteration(s.id);
      await Promise.all([
        manager.incrementIteration(s.id, { round }),
        manager.recordLearning(s.id, `insight ${round}`, "expertise.md"),
      ]);
      const full = (await manager.getWithHistory(s.id))!;
      const types = full.history.map((e) => e.type);
      expect(full).toMatchObject({ status: "timeout", iterations: 2 });
      expect(types.filter((t) => t === "timeout")).toHaveLength(1);
      expect(types.filter((t) => t === "learning")).toHaveLength(1);
      expect(types.slice(0, 2)).toEqual(["start", "iteration"]);
    }
  });

  it("50 concurrent increments count 50, each exactly once", async () => {
    const { manager } = setup();
    for (let round = 0; round < 10; round++) {
      const s = await manager.start({ task: "t", mode: "m", maxIterations: 1000 });
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => manager.incrementIteration(s.id, { i })),
      );
      const full = (await manager.getWithHistory(s.id))!;
      expect(full.iterations).toBe(50);
      expect(full.version).toBe(51);
      const indices = full.history.filter((e) => e.type === "iteration").map((e) => e.data.i as number);
      expect(indices.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(new Set(results.map((r) => r.iterations)).size).toBe(50);
    }
  });

  it("50 concurrent tool calls and context updates: every event once, toolsUsed and context hold all of them", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0
          ? manager.recordToolCall(s.id, `tool${i}`, {}, {})
          : manager.updateContext(s.id, { [`k${i}`]: i }),
      ),
    );
    const full = (await manager.getWithHistory(s.id))!;
    expect(full.history).toHaveLength(51);
    expect(full.metadata!.toolsUsed!.slice().sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => `tool${i * 2}`).sort(),
    );
    expect(Object.keys(full.context)).toHaveLength(25);
  });

  it(`complete vs fail × ${ROUNDS}: exactly one winner, the other ERR_INVALID_TRANSITION`, async () => {
    const { manager } = setup();
    for (let round = 0; round < ROUNDS; round++) {
      const s = await manager.start({ task: "t", mode: "m" });
      const outcomes = await Promise.allSettled([manager.complete(s.id, "r"), manager.fail(s.id, "e")]);
      const winners = outcomes.filter((o) => o.status === "fulfilled");
      expect(winners).toHaveLength(1);
      const loser = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
      expect(isSessionKitError(loser.reason, "ERR_INVALID_TRANSITION")).toBe(true);
      const full = (await manager.getWithHistory(s.id))!;
      expect(full.history.filter((e) => e.type === "complete" || e.type === "error")).toHaveLength(1);
      expect(full.result === undefined).toBe(full.status === "failed");
    }
  });

  it("getContext read during concurrent increments describes one version: recentHistory ends at the iterations seen", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m", maxIterations: 1000 });
    const contexts = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 3 === 0 ? manager.getContext(s.id) : manager.incrementIteration(s.id),
      ),
    );
    for (const ctx of contexts) {
      if (ctx && "sessionId" in ctx) expect(ctx.recentHistory.at(-1)!.seq).toBe(ctx.iterations + 1);
    }
  });

  it("with maxCommitRetries 0 a conflicting writer gets ERR_STORE_BUSY and changes nothing", async () => {
    const { manager } = setup(0);
    const s = await manager.start({ task: "t", mode: "m" });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => manager.incrementIteration(s.id)),
    );
    const ok = outcomes.filter((o) => o.status === "fulfilled").length;
    for (const o of outcomes) {
      if (o.status === "rejected") expect(isSessionKitError(o.reason, "ERR_STORE_BUSY")).toBe(true);
    }
    expect(ok).toBeGreaterThanOrEqual(1);
    expect((await manager.get(s.id))!.iterations).toBe(ok);
  });
});
