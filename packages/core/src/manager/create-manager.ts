import { assertSessionId } from "../ids.js";
import type { Session } from "../model.js";
import type { CommitResult, SessionStore } from "../store.js";
import { exportSessions, importSessions } from "../transfer.js";
import {
  createWebhookDispatcher,
  type WebhookDelivery,
  type WebhookDispatcher,
} from "../webhooks/dispatcher.js";
import { resolveWebhook } from "../webhooks/options.js";
import { toNotification } from "../webhooks/payload.js";
import { mutateAsync } from "./commit-loop.js";
import { createListeners } from "./listeners.js";
import { buildStart, operationMethods, operationOf, type RunCall } from "./operations.js";
import { findPage, listAll } from "./queries.js";
import { managerClosed, readOps } from "./read-ops.js";
import { COMPONENT, closeOptionsSchema, managerOptionsSchema, parse } from "./schemas.js";
import { createSyncFace } from "./sync-face.js";
import { decide } from "./transitions.js";
import type { SessionManager, SessionManagerOptions, SyncSessionManager } from "./types.js";

/** Creates a lifecycle manager over a store: the one place lifecycle rules live. */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const parsed = parse(managerOptionsSchema, options, "options");
  const store = parsed.store as SessionStore;
  const clock = (parsed.clock as SessionManagerOptions["clock"]) ?? store.clock;
  const configs =
    parsed.webhooks === undefined ? [] : Array.isArray(parsed.webhooks) ? parsed.webhooks : [parsed.webhooks];
  const onListenerError =
    (parsed.onListenerError as SessionManagerOptions["onListenerError"]) ??
    ((error: unknown, event: string) =>
      console.error(`[sessionkit] A listener for "${event}" failed:`, error));
  const listeners = createListeners(onListenerError);
  const dispatcher: WebhookDispatcher | undefined =
    configs.length === 0
      ? undefined
      : createWebhookDispatcher(configs.map(resolveWebhook), {
          onDelivered: (delivery) => listeners.emit("webhook.delivered", delivery, false),
          onFailed: (delivery) => listeners.emit("webhook.failed", delivery, false),
          dispatcher: parsed.webhookDispatcher as SessionManagerOptions["webhookDispatcher"],
        });
  let closed = false;
  let closing: Promise<{ undelivered: WebhookDelivery[] }> | undefined;

  // Commits inside a caller's transaction wait for its outcome; close() waits for them too.
  const unsettled = new Set<Promise<unknown>>();
  function publish(result: CommitResult): void {
    if (result.settled === undefined) {
      deliver(result);
      return;
    }
    const waiting = result.settled.then((kept) => {
      unsettled.delete(waiting);
      if (kept) deliver(result);
    });
    unsettled.add(waiting);
  }

  function deliver(result: CommitResult): void {
    for (const event of result.events) {
      const notification = toNotification(result.session, event);
      dispatcher?.enqueue(notification);
      listeners.emit(event.type, notification, true);
    }
  }

  const loopOptions = { clock, maxRetries: parsed.maxCommitRetries ?? 50, onCommit: publish };

  function guard(): void {
    if (closed) throw managerClosed();
  }

  /** Validates the id and the call's arguments (before any I/O), then runs the shared loop. */
  const run: RunCall<Promise<Session>> = (call, id, args) => {
    try {
      guard();
      assertSessionId(id, COMPONENT);
      const operation = operationOf(call, args);
      return mutateAsync(store, id, (session, nowMs) => decide(session, operation, nowMs), loopOptions);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const reads = readOps(store, clock, parsed.recentHistorySize ?? 10, guard);
  let syncFace: SyncSessionManager | undefined;

  return {
    store,
    ...reads,

    async start(input) {
      guard();
      const { create, events } = buildStart(input, clock.now());
      const result = await store.create(create, { events });
      publish(result);
      return result.session;
    },

    ...operationMethods(run),

    sync() {
      guard();
      syncFace ??= createSyncFace(store.sync(), { ...loopOptions, guard });
      return syncFace;
    },

    find: async (query) => {
      guard();
      return findPage(store, query);
    },

    active: (filter) => byStatus("active", filter),
    paused: (filter) => byStatus("paused", filter),
    completed: (filter) => byStatus("completed", filter),
    failed: (filter) => byStatus("failed", filter),
    timedOut: (filter) => byStatus("timeout", filter),

    exportSessions(exportOptions) {
      guard();
      return exportSessions(store, exportOptions);
    },

    async importSessions(lines, importOptions) {
      guard();
      return importSessions(store, lines, importOptions);
    },

    on(event: string, listener: (payload: never) => unknown) {
      return listeners.on(event, listener);
    },

    close(closeOptions) {
      if (closing) return closing;
      closed = true;
      const { timeoutMs = 10_000 } = parse(closeOptionsSchema, closeOptions ?? {}, "options");
      closing = (async () => {
        if (unsettled.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          const bound = new Promise((resolve) => {
            timer = setTimeout(resolve, timeoutMs);
          });
          await Promise.race([Promise.all(unsettled), bound]);
          clearTimeout(timer);
        }
        return { undelivered: dispatcher ? await dispatcher.close(timeoutMs) : [] };
      })();
      return closing;
    },
  };

  async function byStatus(status: Session["status"], filter?: Parameters<SessionManager["active"]>[0]) {
    guard();
    return listAll(store, { ...filter, status });
  }
}
