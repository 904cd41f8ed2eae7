import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestContext } from "@sessionkit/conformance";
import {
  createSessionManager,
  type SessionManager,
  type SessionManagerOptions,
  type SessionStore,
  verifyWebhookSignature,
  type WebhookDelivery,
} from "@sessionkit/core";
import { afterEach, describe, expect, it } from "vitest";
import { type RepoAdapter, repoAdapters } from "./adapters.js";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The session's status in the store at the moment the request arrived. */
  statusInStore: string | undefined;
}

const adapters = await repoAdapters();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  const errors: unknown[] = [];
  for (const fn of cleanups.splice(0).reverse()) await fn().catch((error) => errors.push(error));
  expect(errors).toEqual([]);
});

/** A real receiver on 127.0.0.1 that records each request and the store's view at arrival. */
async function receiver(store: SessionStore, respond: (index: number) => number | Promise<number>) {
  const received: Received[] = [];
  let answered = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const current = await store.get(JSON.parse(body).session.id).catch(() => null);
      const index = received.push({ headers: req.headers, body, statusInStore: current?.status }) - 1;
      const status = await respond(index);
      answered += 1;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    answered: () => answered,
  };
}

async function open(adapter: RepoAdapter): Promise<SessionStore> {
  const handle = createTestContext(`wh-${adapter.name}`);
  const store = await adapter.create(handle.ctx);
  cleanups.push(() => handle.cleanup());
  cleanups.push(() => store.close());
  return store;
}

function manager(store: SessionStore, webhooks: SessionManagerOptions["webhooks"]): SessionManager {
  const m = createSessionManager({ store, webhooks });
  cleanups.push(() => m.close({ timeoutMs: 0 }));
  return m;
}

function next(m: SessionManager, event: "webhook.delivered" | "webhook.failed"): Promise<WebhookDelivery> {
  return new Promise((resolve) => {
    const off = m.on(event, (delivery) => {
      off();
      resolve(delivery);
    });
  });
}

for (const adapter of adapters) {
  describe(`webhooks with the ${adapter.name} store`, () => {
    if (adapter.skip !== undefined) {
      it.skip(`all cases [skipped: ${adapter.skip}]`, () => undefined);
      return;
    }

    it("delivered after the commit and verified by the receiver; forged and replayed signatures are rejected", async () => {
      const store = await open(adapter);
      const r = await receiver(store, () => 200);
      const m = manager(store, { url: r.url, secret: "shh", events: ["complete"] });
      const delivered = next(m, "webhook.delivered");
      const s = await m.start({ task: "t", mode: "m" });
      await m.complete(s.id, "done");
      await delivered;
      expect(r.received).toHaveLength(1);
      const [request] = r.received;
      const header = request!.headers["x-sessionkit-signature"];
      expect(request!.statusInStore).toBe("completed");
      expect(JSON.parse(request!.body)).toMatchObject({
        id: `${s.id}:2`,
        event: "complete",
        data: { result: "done" },
      });
      expect(verifyWebhookSignature({ body: request!.body, header, secret: "shh" })).toBe(true);
      expect(
        verifyWebhookSignature({ body: request!.body.replace("done", "DONE"), header, secret: "shh" }),
      ).toBe(false);
      expect(verifyWebhookSignature({ body: request!.body, header, secret: "guess" })).toBe(false);
      expect(
        verifyWebhookSignature({ body: request!.body, header, secret: "shh", now: Date.now() + 10 * 60_000 }),
      ).toBe(false);
      expect((await m.close()).undelivered).toEqual([]);
    });

    it("retried after 500s with the same idempotency key, then delivered", async () => {
      const store = await open(adapter);
      const r = await receiver(store, (i) => (i < 2 ? 500 : 204));
      const m = manager(store, { url: r.url, backoff: { baseMs: 5, maxMs: 20 } });
      const delivered = next(m, "webhook.delivered");
      const s = await m.start({ task: "t", mode: "m" });
      expect(await delivered).toMatchObject({ id: `${s.id}:1`, attempts: 3, state: "delivered" });
      expect(new Set(r.received.map((q) => q.headers["x-sessionkit-id"]))).toEqual(new Set([`${s.id}:1`]));
      expect(r.received).toHaveLength(3);
    });

    it("given up after maxAttempts, reported by webhook.failed and by close()", async () => {
      const store = await open(adapter);
      const r = await receiver(store, () => 500);
      const m = manager(store, { url: r.url, maxAttempts: 2, backoff: { baseMs: 5 }, events: ["error"] });
      const failed = next(m, "webhook.failed");
      const s = await m.start({ task: "t", mode: "m" });
      await m.fail(s.id, "boom");
      expect(await failed).toMatchObject({ id: `${s.id}:2`, attempts: 2, state: "failed", lastStatus: 500 });
      expect((await m.close()).undelivered.map((d) => d.id)).toEqual([`${s.id}:2`]);
      expect(r.received).toHaveLength(2);
    });

    it("a receiver that sleeps 2 s does not slow complete: complete resolves before the receiver answers", async () => {
      const store = await open(adapter);
      const timers: NodeJS.Timeout[] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = () => {
          for (const timer of timers) clearTimeout(timer);
          resolve();
        };
      });
      const sleep2s = () => new Promise<void>((resolve) => timers.push(setTimeout(resolve, 2000)));
      const r = await receiver(store, () => Promise.race([gate, sleep2s()]).then(() => 200));
      const m = manager(store, { url: r.url, events: ["start", "complete"] });
      const s = await m.start({ task: "t", mode: "m" });
      const done = await m.complete(s.id, "ok");
      expect(done.status).toBe("completed");
      expect(r.answered()).toBe(0);
      release();
      expect((await m.close({ timeoutMs: 10_000 })).undelivered).toEqual([]);
      expect(r.answered()).toBe(2);
    });
  });
}
