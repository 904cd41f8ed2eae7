import { createRequire } from "node:module";
import type { Dispatcher } from "undici";
import type { ResolvedWebhook } from "./options.js";
import type { SessionNotification } from "./payload.js";
import { SIGNATURE_HEADER, signWebhook } from "./signature.js";

/** One event on its way to one webhook target. */
export interface WebhookDelivery {
  /** The idempotency key (`x-sessionkit-id`), shared by every attempt. */
  id: string;
  url: string;
  event: string;
  payload: SessionNotification;
  /** Attempts made so far. */
  attempts: number;
  state: "pending" | "delivered" | "failed";
  /** HTTP status of the last answer, if there was one. */
  lastStatus?: number;
  /** Why the last attempt failed (network error, timeout, status). */
  lastError?: string;
}

/** Hooks the dispatcher calls (exceptions thrown by them are ignored), and what it sends through. */
export interface DispatcherHooks {
  onDelivered(delivery: WebhookDelivery): void;
  onFailed(delivery: WebhookDelivery): void;
  /** Sends through this undici Dispatcher, never closing it (default: an own Agent, destroyed on close). */
  dispatcher?: Dispatcher | undefined;
}

/** Sends notifications to webhook targets in the background, never blocking the enqueuer. */
export interface WebhookDispatcher {
  /** Queues the notification for every target whose event filter matches. Never throws, never waits. */
  enqueue(notification: SessionNotification): void;
  /** Waits up to `timeoutMs` for the queue to drain, aborts the rest, and returns what was not delivered. */
  close(timeoutMs: number): Promise<WebhookDelivery[]>;
}

/**
 * undici is loaded by the first dispatcher, not when core is imported: loading it is most of the
 * cost of `import "@sessionkit/core"` (about 35 ms of a CLI start on an idle machine, over half a
 * second on a busy one), paid by every process that never sends a webhook.
 */
let undici: typeof import("undici") | undefined;
const loadUndici = (): typeof import("undici") =>
  (undici ??= createRequire(import.meta.url)("undici") as typeof import("undici"));

const CLOSED_BEFORE_DELIVERY = "the manager closed before delivery";

/** How long close() lets aborted requests settle before it reports them undelivered. */
const ABORT_GRACE_MS = 50;

/** Requests in flight per target; the rest wait in an in-memory FIFO. */
const MAX_IN_FLIGHT = 16;

/** Creates the dispatcher of one manager: its own undici Agent, queues and retry timers. */
export function createWebhookDispatcher(
  targets: ResolvedWebhook[],
  hooks: DispatcherHooks,
): WebhookDispatcher {
  const { Agent, request } = loadUndici();
  const agent = hooks.dispatcher ?? new Agent({ keepAliveTimeout: 4000 });
  const stop = new AbortController();
  const failed: WebhookDelivery[] = [];
  const live = new Set<WebhookDelivery>();
  const queues = targets.map((target) => ({ target, waiting: [] as WebhookDelivery[], running: 0 }));
  let idleWaiters: Array<() => void> = [];
  let closed = false;

  const call = (fn: (delivery: WebhookDelivery) => void, delivery: WebhookDelivery) => {
    try {
      fn(delivery);
    } catch {
      // A hook's failure must not stop delivery of other events.
    }
  };

  function settle(delivery: WebhookDelivery): void {
    live.delete(delivery);
    if (live.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  let pumpScheduled = false;
  /**
   * Starts deliveries on the next turn of the event loop, never inside enqueue: serialising and
   * signing a large body then runs after the committing caller's promise has settled, not in its await.
   */
  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      for (const queue of queues) pump(queue);
    });
  }

  function pump(queue: (typeof queues)[number]): void {
    while (!stop.signal.aborted && queue.running < MAX_IN_FLIGHT && queue.waiting.length > 0) {
      const delivery = queue.waiting.shift()!;
      queue.running += 1;
      void deliver(queue.target, delivery).finally(() => {
        queue.running -= 1;
        settle(delivery);
        pump(queue);
      });
    }
  }

  /** Settles a delivery once: a late outcome of a request that close() already reported changes nothing. */
  function finish(delivery: WebhookDelivery, state: "delivered" | "failed", lastError?: string): void {
    if (delivery.state !== "pending") return;
    delivery.state = state;
    if (lastError !== undefined) delivery.lastError ??= lastError;
    if (state === "failed") failed.push(delivery);
  }

  async function deliver(target: ResolvedWebhook, delivery: WebhookDelivery): Promise<void> {
    const body = JSON.stringify(delivery.payload);
    while (!stop.signal.aborted) {
      delivery.attempts += 1;
      const outcome = await attempt(target, delivery, body);
      if (delivery.state !== "pending") return;
      if (outcome.ok) {
        finish(delivery, "delivered");
        call(hooks.onDelivered, delivery);
        return;
      }
      if (stop.signal.aborted) break;
      if (!outcome.retry || delivery.attempts >= target.maxAttempts) {
        finish(delivery, "failed");
        call(hooks.onFailed, delivery);
        return;
      }
      const ceiling = Math.min(target.maxMs, target.baseMs * 2 ** (delivery.attempts - 1));
      const wait = outcome.retryAfterMs ?? Math.random() * ceiling;
      await sleep(Math.min(wait, target.maxMs), stop.signal);
    }
    finish(delivery, "failed", CLOSED_BEFORE_DELIVERY);
  }

  async function attempt(
    target: ResolvedWebhook,
    delivery: WebhookDelivery,
    body: string,
  ): Promise<{ ok: boolean; retry: boolean; retryAfterMs?: number }> {
    const timestamp = Date.now();
    const headers: Record<string, string> = {
      ...target.headers,
      "content-type": "application/json",
      "user-agent": "sessionkit-webhooks/1",
      "x-sessionkit-id": delivery.id,
      "x-sessionkit-event": delivery.event,
      "x-sessionkit-attempt": String(delivery.attempts),
    };
    if (target.secret !== undefined)
      headers[SIGNATURE_HEADER] = signWebhook({ body, secret: target.secret, timestamp });
    try {
      const response = await request(target.url, {
        method: "POST",
        headers,
        body,
        dispatcher: agent,
        headersTimeout: target.timeoutMs,
        bodyTimeout: target.timeoutMs,
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(target.timeoutMs)]),
      });
      await response.body.dump().catch(() => undefined);
      const status = response.statusCode;
      delivery.lastStatus = status;
      if (status >= 200 && status < 300) return { ok: true, retry: false };
      delivery.lastError = `HTTP ${status}`;
      const retry = status >= 500 || status === 408 || status === 429;
      const retryAfter = Number(response.headers["retry-after"]);
      return retry && Number.isFinite(retryAfter) && retryAfter >= 0
        ? { ok: false, retry, retryAfterMs: retryAfter * 1000 }
        : { ok: false, retry };
    } catch (error) {
      const reason = error as { code?: string; name?: string; message?: string };
      delivery.lastError = `${reason.code ?? reason.name ?? "Error"}: ${reason.message ?? String(error)}`;
      return { ok: false, retry: true };
    }
  }

  return {
    enqueue(notification) {
      if (closed) return;
      for (const queue of queues) {
        const { events } = queue.target;
        if (events !== "*" && !events.has(notification.event)) continue;
        const delivery: WebhookDelivery = {
          id: notification.id,
          url: queue.target.url,
          event: notification.event,
          payload: notification,
          attempts: 0,
          state: "pending",
        };
        live.add(delivery);
        queue.waiting.push(delivery);
      }
      schedulePump();
    },
    async close(timeoutMs) {
      closed = true;
      // Referenced timers: they keep the process alive while unreferenced retry timers drain.
      if (live.size > 0) await untilIdleOr(timeoutMs);
      stop.abort();
      for (const queue of queues) {
        for (const delivery of queue.waiting.splice(0)) {
          finish(delivery, "failed", CLOSED_BEFORE_DELIVERY);
          settle(delivery);
        }
      }
      // An aborted request settles at once, except where no signal reaches (a DNS lookup that never
      // answers): after a short grace, such a request is reported undelivered and left behind.
      if (live.size > 0) await untilIdleOr(ABORT_GRACE_MS);
      for (const delivery of [...live]) {
        finish(
          delivery,
          "failed",
          "the manager closed while the request was in flight (it may still arrive)",
        );
        settle(delivery);
      }
      if (hooks.dispatcher === undefined) {
        const destroyed = agent.destroy().catch(() => undefined);
        await Promise.race([destroyed, sleep(ABORT_GRACE_MS, new AbortController().signal, true)]);
      }
      return [...failed];
    },
  };

  /** Waits until no delivery is live, or `ms` passed. */
  async function untilIdleOr(ms: number): Promise<void> {
    const idle = new Promise<void>((resolve) => idleWaiters.push(resolve));
    const timer = new AbortController();
    await Promise.race([idle, sleep(ms, timer.signal, true)]);
    timer.abort();
  }
}

/** Resolves after `ms`, or at once when `signal` aborts; keeps the process alive only if `ref`. */
function sleep(ms: number, signal: AbortSignal, ref = false): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (!ref) timer.unref();
    signal.addEventListener("abort", done, { once: true });
  });
}
