import { Agent } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  type SessionManager,
} from "../src/index.js";
import { startReceiver } from "./webhook-server.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Resolves to "guard" if `promise` has not settled after `ms`; only a bound for a hung test, not a timing assertion. */
function withinGuard<T>(promise: Promise<T>, ms: number): Promise<T | "guard"> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<"guard">((resolve) => {
    timer = setTimeout(() => resolve("guard"), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

describe("webhook delivery never holds the caller or close() past its bound", () => {
  it("close({ timeoutMs: 300 }) returns while a DNS lookup never answers, reporting the event undelivered", async () => {
    const lookups: string[] = [];
    // A resolver that never calls back: the lookup hangs for as long as the process lives.
    const hanging = new Agent({
      connect: {
        lookup: (hostname: string) => {
          lookups.push(hostname);
        },
      },
    });
    cleanups.push(() => hanging.destroy().catch(() => undefined));
    const manager = createSessionManager({
      store: createMemoryStore({ clock: createManualClock() }),
      webhooks: { url: "http://hooks.example.test/in", timeoutMs: 60_000 },
      webhookDispatcher: hanging,
    });
    const s = await manager.start({ task: "t", mode: "m" });
    await vi.waitFor(() => expect(lookups).toEqual(["hooks.example.test"]));
    const closed = await withinGuard(manager.close({ timeoutMs: 300 }), 5000);
    expect(closed).not.toBe("guard");
    const { undelivered } = closed as Awaited<ReturnType<SessionManager["close"]>>;
    expect(undelivered.map((d) => [d.id, d.state])).toEqual([[`${s.id}:1`, "failed"]]);
    expect(undelivered[0]!.lastError).toMatch(/closed/);
  });

  it("the webhook body is serialised after the caller's promise settles, not inside its await", async () => {
    const r = await startReceiver();
    cleanups.push(r.close);
    const manager = createSessionManager({
      store: createMemoryStore({ clock: createManualClock() }),
      webhooks: { url: r.url, secret: "k", events: ["*"] },
    });
    cleanups.push(() => manager.close());
    const s = await manager.start({ task: "t", mode: "m" });
    await vi.waitFor(() => expect(r.received).toHaveLength(1));
    const order: string[] = [];
    const stringify = JSON.stringify;
    vi.spyOn(JSON, "stringify").mockImplementation(((value: unknown, ...rest: never[]) => {
      const payload = value as { version?: unknown; event?: unknown; seq?: unknown } | null;
      if (payload && payload.version === 1 && payload.event === "tool_call")
        order.push("serialise webhook body");
      return stringify(value, ...rest);
    }) as typeof JSON.stringify);
    await manager.recordToolCall(s.id, "bash", { big: "x".repeat(100_000) });
    order.push("caller resumed");
    await vi.waitFor(() => expect(r.received).toHaveLength(2));
    expect(order).toEqual(["caller resumed", "serialise webhook body"]);
    expect(JSON.parse(r.received[1]!.body)).toMatchObject({ event: "tool_call", data: { tool: "bash" } });
  });
});
