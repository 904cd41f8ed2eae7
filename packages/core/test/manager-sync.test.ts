import { afterEach, describe, expect, it } from "vitest";
import {
  applyOperationSync,
  createManualClock,
  createMemoryStore,
  createSessionManager,
  type SessionManager,
  type SessionNotification,
  type WebhookDelivery,
} from "../src/index.js";
import { startReceiver } from "./webhook-server.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function setup(webhooks?: Parameters<typeof createSessionManager>[0]["webhooks"]) {
  const clock = createManualClock("2026-11-24T10:00:00.000Z");
  const store = createMemoryStore({ clock });
  const manager = createSessionManager({ store, clock, ...(webhooks ? { webhooks } : {}) });
  cleanups.push(() => manager.close({ timeoutMs: 0 }));
  return { clock, store, manager };
}

function delivered(m: SessionManager, count: number): Promise<WebhookDelivery[]> {
  const seen: WebhookDelivery[] = [];
  return new Promise((resolve) => {
    m.on("webhook.delivered", (delivery) => {
      seen.push(delivery);
      if (seen.length === count) resolve(seen);
    });
  });
}

describe("manager.sync(): one read-decide-commit loop for both faces", () => {
  it("a context update merges, records a `context` event, and agrees with the async manager", async () => {
    const { store, manager } = setup();
    const a = await manager.start({ task: "t", mode: "m", context: { keep: 1, drop: 2 } });
    const b = await manager.start({ task: "t", mode: "m", context: { keep: 1, drop: 2 } });
    const viaSync = manager.sync().updateContext(a.id, { next: "x", drop: undefined });
    const viaAsync = await manager.updateContext(b.id, { next: "x", drop: undefined });
    expect(viaSync.context).toEqual({ keep: 1, next: "x" });
    expect(viaSync.context).toEqual(viaAsync.context);
    const [syncEvent] = await store.readEvents(a.id, { last: 1 });
    const [asyncEvent] = await store.readEvents(b.id, { last: 1 });
    expect(syncEvent).toMatchObject({ type: "context", data: asyncEvent!.data });
  });

  it("a deadline timeout committed through the sync face sends its webhook and fires listeners", async () => {
    const r = await startReceiver();
    cleanups.push(r.close);
    const { store, manager, clock } = setup({ url: r.url, events: ["timeout"] });
    const heard: SessionNotification[] = [];
    manager.on("timeout", (n) => heard.push(n));
    const arrived = delivered(manager, 1);
    const s = manager.sync().start({ task: "t", mode: "m", timeoutMs: 1000 });
    clock.advance(5000);
    expect(() => manager.sync().updateContext(s.id, { a: 1 })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_TRANSITION" }),
    );
    const after = await store.getWithHistory(s.id);
    expect(after?.status).toBe("timeout");
    expect(after?.context).toEqual({});
    expect(heard.map((n) => [n.event, n.data?.reason])).toEqual([["timeout", "deadline"]]);
    await arrived;
    expect(r.received.map((req) => JSON.parse(req.body).event)).toEqual(["timeout"]);
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({ session: { id: s.id, status: "timeout" } });
  });

  it("both faces publish the same notifications for the same calls", async () => {
    const { manager } = setup();
    const seen: Array<[string, string]> = [];
    manager.on("*", (n) => seen.push(["x", n.event]));
    const run = async (face: "sync" | "async") => {
      const before = seen.length;
      if (face === "sync") {
        const sync = manager.sync();
        const s = sync.start({ task: "t", mode: "m", maxIterations: 2 });
        sync.recordToolCall(s.id, "bash");
        sync.pause(s.id, "r");
        sync.resume(s.id);
        sync.incrementIteration(s.id);
        sync.incrementIteration(s.id);
        sync.recordLearning(s.id, "late");
      } else {
        const s = await manager.start({ task: "t", mode: "m", maxIterations: 2 });
        await manager.recordToolCall(s.id, "bash");
        await manager.pause(s.id, "r");
        await manager.resume(s.id);
        await manager.incrementIteration(s.id);
        await manager.incrementIteration(s.id);
        await manager.recordLearning(s.id, "late");
      }
      return seen.slice(before).map(([, event]) => event);
    };
    const viaSync = await run("sync");
    expect(viaSync).toEqual(await run("async"));
    expect(viaSync).toEqual([
      "start",
      "tool_call",
      "pause",
      "resume",
      "iteration",
      "iteration",
      "timeout",
      "learning",
    ]);
  });

  it("a missing session is ERR_SESSION_NOT_FOUND and nothing is written", () => {
    const { store, manager } = setup();
    expect(() => manager.sync().complete("session_missing")).toThrow(
      expect.objectContaining({ code: "ERR_SESSION_NOT_FOUND" }),
    );
    expect(store.sync().count()).toBe(0);
  });

  it("applyOperationSync (deprecated) runs the same loop and publishes through onCommit", async () => {
    const { store, manager, clock } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    const published: string[] = [];
    const after = applyOperationSync(
      store.sync(),
      s.id,
      { kind: "context", set: { a: 1 }, unset: [] },
      { clock, onCommit: (result) => published.push(...result.events.map((e) => e.type)) },
    );
    expect(after.context).toEqual({ a: 1 });
    expect(published).toEqual(["context"]);
  });
});
