import { createTestContext } from "@sessionkit/conformance";
import {
  canonicalExportLine,
  createMemoryStore,
  exportSessions,
  importSessions,
  type SessionStore,
} from "@sessionkit/core";
import { afterAll, describe, expect, it } from "vitest";
import { type RepoAdapter, repoAdapters } from "./adapters.js";

// Issue 14 #14: the same sessions export to the same bytes from every store (the CLI's
// export/import round trip and any `diff` of two exports depend on it).

const adapters = (await repoAdapters()).filter((adapter) => adapter.skip === undefined);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Objects whose keys were inserted out of order, integer-like, non-ASCII and "__proto__" among them. */
function shuffled(depth: number): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const key of ["zeta", "10", "Äpfel", "alpha", "2", "_", "Z", "émoji 🎉"]) value[key] = depth;
  Object.defineProperty(value, "__proto__", {
    value: "own",
    enumerable: true,
    writable: true,
    configurable: true,
  });
  if (depth > 0) value.nested = [shuffled(depth - 1), { b: null, a: -0 }];
  return value;
}

/** Writes one dataset, step by step with the context's clock, so every store holds the same values. */
async function writeDataset(store: SessionStore, clock: { advance(ms?: number): number }) {
  const at = (ms: number) => new Date(Date.UTC(2026, 5, 1) + ms).toISOString();
  await store.create(
    {
      id: "session_export_a",
      task: "write",
      mode: "chat",
      workspace: "/w",
      channelId: "c1",
      userId: "u1",
      context: shuffled(2),
      metadata: {
        tokens: { total: 3, prompt: 1, completion: 2 },
        cost: 0.5,
        model: "m",
        toolsUsed: ["b", "a"],
      },
    },
    {
      events: [
        { type: "start", data: shuffled(1) },
        { type: "custom.kind", data: {} },
      ],
    },
  );
  clock.advance(1000);
  await store.commit("session_export_a", {
    patch: { status: "paused", pause: { reason: "review", at: at(1000) }, deadlineAt: at(86_400_000) },
    events: [{ type: "pause", data: { reason: "review" } }],
  });
  clock.advance(1000);
  await store.create({ id: "session_export_b", task: "run", mode: "agent", status: "active" });
  await store.commit("session_export_b", {
    patch: {
      owner: { startedAt: at(0), pid: 42, generation: 3, id: "worker-1", host: "h" },
      leaseUntil: at(60_000),
      operations: { "op-2": { version: 2, digest: "d2" }, "op-1": { version: 1, digest: "d1" } },
      hold: { reason: "audit", at: at(0), by: "legal" },
      inputRequests: [
        { requestedAt: at(0), prompt: "ok?", kind: "approval", requestId: "r1", tags: ["b", "a"] },
      ],
      inputAnswers: { r0: { version: 1, outcome: "answered", at: at(0), action: "accept" } },
    },
  });
  clock.advance(1000);
  await store.commit("session_export_b", {
    patch: { status: "completed", result: "done", endedAt: at(3000), iterations: 7 },
    events: [{ type: "complete", data: { result: "done" } }],
  });
}

async function exportLines(store: SessionStore): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of exportSessions(store)) lines.push(line);
  return lines;
}

async function exportOf(adapter: RepoAdapter): Promise<string[]> {
  const handle = createTestContext(`exp-${adapter.name}`);
  const store = await adapter.create(handle.ctx);
  cleanups.push(() => handle.cleanup());
  cleanups.push(() => store.close());
  await writeDataset(store, handle.ctx.clock as never);
  return exportLines(store);
}

describe("canonical export", () => {
  it(`every store (${adapters.map((a) => a.name).join(", ")}) exports the same sessions as the same bytes`, async () => {
    const [reference, ...others] = adapters;
    const expected = (await exportOf(reference!)).slice(1);
    expect(expected).toHaveLength(2);
    for (const adapter of others) {
      const lines = (await exportOf(adapter)).slice(1);
      expect({ store: adapter.name, lines }).toEqual({ store: adapter.name, lines: expected });
    }
  });

  it("a line is its own canonical form, starts with the id and survives import and export unchanged", async () => {
    const lines = (await exportOf(adapters[0]!)).slice(1);
    for (const line of lines) {
      expect(canonicalExportLine(JSON.parse(line))).toBe(line);
      expect(line.startsWith('{"session":{"id":"session_export_')).toBe(true);
    }
    const again = createMemoryStore();
    cleanups.push(() => again.close());
    await importSessions(again, ['{"format":"sessionkit-export","version":1}', ...lines]);
    expect((await exportLines(again)).slice(1)).toEqual(lines);
  });
});
