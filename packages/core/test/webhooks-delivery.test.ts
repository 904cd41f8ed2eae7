import { afterEach, describe, expect, it } from "vitest";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  type SessionManager,
  type SessionNotification,
  verifyWebhookSignature,
  type WebhookDelivery,
} from "../src/index.js";
import { startReceiver } from "./webhook-server.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function receiver(respond?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(respond);
  cleanups.push(r.close);
  return r;
}

function manager(webhooks: Parameters<typeof createSessionManager>[0]["webhooks"]): SessionManager {
  const m = createSessionManager({ store: createMemoryStore({ clock: createManualClock() }), webhooks });
  cleanups.push(() => m.close({ timeoutMs: 0 }));
  return m;
}

function waitFor<T>(
  m: SessionManager,
  event: "webhook.delivered" | "webhook.failed",
  count = 1,
): Promise<T[]> {
  const seen: T[] = [];
  return new Promise((resolve) => {
    m.on(event, (delivery) => {
      seen.push(delivery as T);
      if (seen.length === count) resolve(seen);
    });
  });
}

describe("webhooks over a real HTTP server", () => {
  it("delivers the lifecycle events after the commit, signed; the receiver verifies them", async () => {
    const r = await receiver();
    const m2 = manager({ url: r.url, secret: "k", backoff: { baseMs: 5 } });
    const delivered = waitFor<WebhookDelivery>(m2, "webhook.delivered", 3);
    const s = await m2.start({ task: "t", mode: "m", userId: "u" });
    await m2.incrementIteration(s.id);
    await m2.pause(s.id, "why");
    await m2.complete(s.id, "done");
    await delivered;
    expect(r.received).toHaveLength(3);
    const payloads = r.received.map((req) => JSON.parse(req.body) as SessionNotification);
    expect(payloads.map((p) => p.event).sort()).toEqual(["complete", "pause", "start"]);
    for (const req of r.received) {
      expect(
        verifyWebhookSignature({
          body: req.body,
          header: req.headers["x-sessionkit-signature"],
          secret: "k",
        }),
      ).toBe(true);
      expect(
        verifyWebhookSignature({
          body: req.body,
          header: req.headers["x-sessionkit-signature"],
          secret: "x",
        }),
      ).toBe(false);
      const payload = JSON.parse(req.body) as SessionNotification;
      expect(req.headers["x-sessionkit-id"]).toBe(payload.id);
      expect(req.headers["content-type"]).toBe("application/json");
    }
    const complete = payloads.find((p) => p.event === "complete")!;
    expect(complete).toMatchObject({
      id: `${s.id}:4`,
      version: 1,
      session: { id: s.id, mode: "m", status: "completed", task: "t", userId: "u" },
      data: { result: "done" },
    });
    expect((await m2.close()).undelivered).toEqual([]);
  });

  it("the constructor refuses an empty url (configuration is validated per manager)", () => {
    expect(() => createSessionManager({ store: createMemoryStore(), webhooks: { url: "" } })).toThrow(/url/);
  });

  it("retries after 500s with the same idempotency key, then delivers", async () => {
    const r = await receiver((_req, i) => (i < 2 ? 500 : 200));
    const m = manager({ url: r.url, secret: "k", backoff: { baseMs: 5, maxMs: 20 } });
    const delivered = waitFor<WebhookDelivery>(m, "webhook.delivered");
    const s = await m.start({ task: "t", mode: "m" });
    const [delivery] = await delivered;
    expect(delivery).toMatchObject({ state: "delivered", attempts: 3, id: `${s.id}:1`, lastStatus: 200 });
    expect(r.received.map((req) => req.headers["x-sessionkit-id"])).toEqual([
      `${s.id}:1`,
      `${s.id}:1`,
      `${s.id}:1`,
    ]);
    expect(r.received.map((req) => req.headers["x-sessionkit-attempt"])).toEqual(["1", "2", "3"]);
    expect((await m.close()).undelivered).toEqual([]);
  });

  it("gives up after maxAttempts, reports webhook.failed, and close() lists it as undelivered", async () => {
    const r = await receiver(() => 503);
    const m = manager({ url: r.url, maxAttempts: 3, backoff: { baseMs: 5, maxMs: 10 } });
    const failed = waitFor<WebhookDelivery>(m, "webhook.failed");
    const s = await m.start({ task: "t", mode: "m" });
    const [delivery] = await failed;
    expect(delivery).toMatchObject({ state: "failed", attempts: 3, lastStatus: 503, id: `${s.id}:1` });
    expect(r.received).toHaveLength(3);
    const { undelivered } = await m.close();
    expect(undelivered.map((d) => d.id)).toEqual([`${s.id}:1`]);
  });

  it("a 4xx answer (other than 408/429) is not retried", async () => {
    const r = await receiver(() => 400);
    const m = manager({ url: r.url, maxAttempts: 5, backoff: { baseMs: 5 } });
    const failed = waitFor<WebhookDelivery>(m, "webhook.failed");
    await m.start({ task: "t", mode: "m" });
    const [delivery] = await failed;
    expect(delivery).toMatchObject({ attempts: 1, lastStatus: 400 });
    expect(r.received).toHaveLength(1);
  });

  it("an unreachable receiver is retried and reported, never thrown at the caller", async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    const m = manager({ url, maxAttempts: 2, backoff: { baseMs: 5 } });
    const failed = waitFor<WebhookDelivery>(m, "webhook.failed");
    const s = await m.start({ task: "t", mode: "m" });
    const done = await m.complete(s.id, "ok");
    expect(done.status).toBe("completed");
    const [delivery] = await failed;
    expect(delivery!.attempts).toBe(2);
    expect(delivery!.lastError).toBeTruthy();
  });

  it("a receiver that sleeps 2 s does not slow complete: it resolves before the receiver answers", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const r = await receiver(async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gate, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
      return 200;
    });
    const m = manager({ url: r.url, events: ["complete"] });
    const delivered = waitFor<WebhookDelivery>(m, "webhook.delivered");
    const s = await m.start({ task: "t", mode: "m" });
    const done = await m.complete(s.id, "ok");
    expect(done.status).toBe("completed");
    expect(r.answered).toBe(0);
    release();
    const [delivery] = await delivered;
    expect(delivery!.event).toBe("complete");
    expect(r.answered).toBe(1);
  });

  it("a hanging receiver times out per attempt; close() reports what was not delivered", async () => {
    const r = await receiver(() => new Promise<number>(() => {}));
    const m = manager({ url: r.url, timeoutMs: 100, maxAttempts: 2, backoff: { baseMs: 5 } });
    const failed = waitFor<WebhookDelivery>(m, "webhook.failed");
    const s = await m.start({ task: "t", mode: "m" });
    const [delivery] = await failed;
    expect(delivery!.attempts).toBe(2);
    expect(delivery!.lastError).toMatch(/Timeout|Abort/i);
    expect((await m.close()).undelivered.map((d) => d.id)).toEqual([`${s.id}:1`]);
  });

  it("close() with a short timeout aborts pending deliveries and returns them", async () => {
    const r = await receiver(() => new Promise<number>(() => {}));
    const m = manager({ url: r.url, timeoutMs: 60_000 });
    const s = await m.start({ task: "t", mode: "m" });
    await m.pause(s.id);
    const { undelivered } = await m.close({ timeoutMs: 50 });
    expect(undelivered.map((d) => d.event).sort()).toEqual(["pause", "start"]);
    expect(undelivered.every((d) => d.state === "failed")).toBe(true);
  });

  it("the events filter, several targets and custom headers are per manager", async () => {
    const a = await receiver();
    const b = await receiver();
    const m = manager([
      { url: a.url, events: ["*"], headers: { authorization: "Bearer x" } },
      { url: b.url, events: ["timeout"] },
    ]);
    const other = manager({ url: b.url, events: ["start"] });
    const s = await m.start({ task: "t", mode: "m", maxIterations: 1 });
    await m.incrementIteration(s.id);
    await other.start({ task: "t2", mode: "m" });
    await m.close();
    await other.close();
    expect(a.received.map((req) => JSON.parse(req.body).event).sort()).toEqual([
      "iteration",
      "start",
      "timeout",
    ]);
    expect(a.received.every((req) => req.headers.authorization === "Bearer x")).toBe(true);
    expect(a.received.every((req) => req.headers["x-sessionkit-signature"] === undefined)).toBe(true);
    expect(b.received.map((req) => JSON.parse(req.body).event).sort()).toEqual(["start", "timeout"]);
    expect(
      JSON.parse(b.received.find((req) => JSON.parse(req.body).event === "start")!.body).session.task,
    ).toBe("t2");
  });
});
