import { describe, expect, it } from "vitest";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  isSessionKitError,
  type SessionManager,
} from "../src/index.js";

function setup() {
  const clock = createManualClock("2026-11-24T10:00:00.000Z");
  const store = createMemoryStore({ clock });
  return { clock, store, manager: createSessionManager({ store }) };
}

/** The error a call rejected with (fails the test when it resolved). */
async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: object }> {
  try {
    await promise;
  } catch (error) {
    expect(isSessionKitError(error), `a raw error escaped: ${String(error)}`).toBe(true);
    return error as { code: string; message: string; details: object };
  }
  throw new Error("expected the call to reject");
}

/** Starts a session whose stored metadata is `metadata` (as the seed or a raw store.create could leave it). */
async function withMetadata(manager: SessionManager, metadata: Record<string, unknown>) {
  const s = await manager.start({ task: "t", mode: "m", metadata });
  return { id: s.id, before: (await manager.getWithHistory(s.id))! };
}

describe("usage and tool accounting validate the stored metadata they accumulate into", () => {
  const refused: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
    ["a string cost", { cost: "0.5" }, { cost: 0.1 }, "metadata.cost"],
    ["an object cost", { cost: { usd: 1 } }, { cost: 0.1 }, "metadata.cost"],
    ["tokens that are a number", { tokens: 12 }, { tokens: 5 }, "metadata.tokens"],
    [
      "a token counter that is a string",
      { tokens: { prompt: "3", completion: 0, total: 3 } },
      { tokens: 5 },
      "metadata.tokens.prompt",
    ],
    ["a string toolsUsed", { toolsUsed: "bash" }, { toolsUsed: ["git"] }, "metadata.toolsUsed"],
    ["an object toolsUsed", { toolsUsed: { bash: true } }, { toolsUsed: ["git"] }, "metadata.toolsUsed"],
    [
      "a toolsUsed with a non-string",
      { toolsUsed: ["bash", 3] },
      { toolsUsed: ["git"] },
      "metadata.toolsUsed",
    ],
  ];
  for (const [what, metadata, usage, field] of refused) {
    it(`incrementIteration with usage on ${what}: ERR_INVALID_INPUT naming \`${field}\`, nothing changed`, async () => {
      const { manager } = setup();
      const { id, before } = await withMetadata(manager, metadata);
      const error = await rejection(manager.incrementIteration(id, {}, { usage }));
      expect(error.code).toBe("ERR_INVALID_INPUT");
      expect(error.message).toContain(`\`${field}\``);
      expect(error.details).toMatchObject({ id, field });
      expect(await manager.getWithHistory(id)).toEqual(before);
    });
  }

  it("tokens stored as { total } only: the missing counters count as 0", async () => {
    const { manager } = setup();
    const { id } = await withMetadata(manager, { tokens: { total: 10 } });
    const after = await manager.incrementIteration(
      id,
      {},
      { usage: { tokens: { prompt: 2, completion: 3 } } },
    );
    expect(after.metadata?.tokens).toEqual({ prompt: 2, completion: 3, total: 15 });
  });

  it("a string cost is never concatenated; a numeric cost still adds", async () => {
    const { manager } = setup();
    const { id } = await withMetadata(manager, { cost: 0.5 });
    const after = await manager.incrementIteration(id, {}, { usage: { cost: 0.25 } });
    expect(after.metadata?.cost).toBe(0.75);
  });

  for (const [what, toolsUsed] of [
    ["a string", "bash"],
    ["an object", { bash: true }],
    ["an array with a number", ["bash", 3]],
  ] as const) {
    it(`recordToolCall on ${what} toolsUsed: the event is recorded, the malformed list left as stored`, async () => {
      const { manager } = setup();
      const { id } = await withMetadata(manager, { toolsUsed });
      const after = await manager.recordToolCall(id, "git", { a: 1 }, "ok");
      expect(after.metadata?.toolsUsed).toEqual(toolsUsed);
      const last = (await manager.getWithHistory(id))!.history.at(-1);
      expect(last).toMatchObject({ type: "tool_call", data: { tool: "git" } });
      // and the session keeps recording tool calls
      await manager.recordToolCall(id, "git2");
      expect((await manager.getWithHistory(id))!.eventCount).toBe(3);
    });
  }
});

describe("instants outside the JS date range are typed errors, never RangeError", () => {
  it("start({ timeoutMs: 9e15 }) is ERR_INVALID_INPUT and creates nothing", async () => {
    const { manager, store } = setup();
    const error = await rejection(manager.start({ task: "t", mode: "m", timeoutMs: 9e15 }));
    expect(error.code).toBe("ERR_INVALID_INPUT");
    expect(error.message).toContain("timeoutMs");
    expect(await store.count()).toBe(0);
  });

  it("cleanup({ maxAgeDays: 1e9 }) is ERR_INVALID_QUERY and deletes nothing", async () => {
    const { manager, store } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.complete(s.id);
    const error = await rejection(manager.cleanup({ maxAgeDays: 1e9 }));
    expect(error.code).toBe("ERR_INVALID_QUERY");
    expect(error.message).toContain("maxAgeDays");
    expect(await store.count()).toBe(1);
  });
});
