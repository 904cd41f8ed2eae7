import { errors, isSessionKitError } from "../errors.js";
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
import { createClaims, requireCapability } from "./claims.js";
import { type LoopOptions, mutateAsync, observed } from "./commit-loop.js";
import { assertOperationId, ownEntry, replayStart, requestDigest, START_OPERATION } from "./idempotency.js";
import { createListeners } from "./listeners.js";
import { buildStart, operationMethods, operationOf, type RunCall } from "./operations.js";
import { resolveOwnership } from "./ownership-options.js";
import { thisProcess } from "./process-identity.js";
import { findPage, listAll, listHolds } from "./queries.js";
import { managerClosed, readOps } from "./read-ops.js";
import { applyRetention, type RetentionPolicy } from "./retention.js";
import { acquireRetentionLease } from "./retention-lease.js";
import {
  COMPONENT,
  claimOptionsSchema,
  closeOptionsSchema,
  managerOptionsSchema,
  operationIdOptionsSchema,
  parse,
  respondSchema,
  retentionRunSchema,
  sweeperOptionsSchema,
  sweepOptionsSchema,
} from "./schemas.js";
import { startSweeping, sweepOnce } from "./sweeper.js";
import { createSyncFace } from "./sync-face.js";
import type { Operation } from "./transitions.js";
import type {
  SessionManager,
  SessionManagerOptions,
  StartSessionInput,
  SyncSessionManager,
} from "./types.js";
import { watchSessions } from "./watch.js";

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

  const ownership = resolveOwnership(parsed.ownership as SessionManagerOptions["ownership"]);
  if (parsed.ownership !== undefined && parsed.ownership !== false) requireCapability(store, "leases");
  const loopOptions: LoopOptions = {
    clock,
    maxRetries: parsed.maxCommitRetries ?? 50,
    onCommit: (result) => {
      claims.track(result);
      publish(result);
    },
  };
  const claims = createClaims(store, loopOptions, ownership.ownerId, ownership.leaseMs, (id, error) =>
    listeners.emit("lease.lost", { id, error }, false),
  );
  const sweepers = new Set<() => void>();

  function guard(): void {
    if (closed) throw managerClosed();
  }

  /** Validates the id and the call's arguments (before any I/O), then runs the shared loop. */
  const run: RunCall<Promise<Session>> = (call, id, args, callOptions) => {
    try {
      guard();
      assertSessionId(id, COMPONENT);
      const operationId = callOptions?.operationId;
      assertOperationId(operationId);
      const operation = operationOf(call, args);
      const decider = claims.decider(id, operation, operationId, call, callOptions?.force === true);
      return mutateAsync(store, id, decider, loopOptions).catch((error: unknown) => {
        if (isSessionKitError(error, "ERR_LEASE_LOST")) claims.lose(id);
        throw error;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  };

  /** The create() call of start(): claimed when ownership is on, its digest kept when the id is the caller's. */
  function prepareStart(input: StartSessionInput) {
    const nowMs = clock.now();
    const { create, events } = buildStart(input, nowMs);
    const digest = requestDigest(START_OPERATION, input);
    if (create.id !== undefined) create.operations = { [START_OPERATION]: { digest, version: 1 } };
    if (ownership.claimOnStart) {
      create.owner = { ...thisProcess(), id: ownership.ownerId, generation: 1 };
      create.leaseUntil = new Date(nowMs + ownership.leaseMs).toISOString();
    }
    return { create, events, digest };
  }

  const reads = readOps(store, clock, parsed.recentHistorySize ?? 10, guard, ownership.ownerId);
  let syncFace: SyncSessionManager | undefined;

  return {
    store,
    ...reads,

    async start(input) {
      guard();
      const { create, events, digest } = prepareStart(input);
      try {
        const result = await store.create(create, { events });
        loopOptions.onCommit?.(result);
        return result.session;
      } catch (error) {
        if (create.id === undefined || !isSessionKitError(error, "ERR_SESSION_EXISTS")) throw error;
        return replayStart(error, await store.get(create.id, { operationId: START_OPERATION }), digest);
      }
    },

    async claim(id, claimOptions) {
      guard();
      assertSessionId(id, COMPONENT);
      const { owner, leaseMs, operationId } = parse(claimOptionsSchema, claimOptions ?? {}, "options");
      assertOperationId(operationId);
      return claims.claim(id, owner, leaseMs ?? ownership.leaseMs, operationId as string | undefined);
    },

    async release(id, releaseOptions) {
      guard();
      assertSessionId(id, COMPONENT);
      const { operationId } = parse(operationIdOptionsSchema, releaseOptions ?? {}, "options");
      assertOperationId(operationId);
      return claims.release(id, operationId as string | undefined);
    },

    ownerId: ownership.ownerId,
    watch: watchSessions(store, guard),

    sweep(sweepOptions) {
      guard();
      return sweepOnce(store, loopOptions, parse(sweepOptionsSchema, sweepOptions ?? {}, "options"));
    },

    startSweeper(sweeperOptions) {
      guard();
      const { intervalMs, ...rest } = parse(sweeperOptionsSchema, sweeperOptions, "options");
      const halt = startSweeping(
        store,
        loopOptions,
        intervalMs,
        rest,
        () => closed,
        (error) => listeners.emit("sweep.failed", { error }, false),
      );
      const stop = () => {
        halt();
        sweepers.delete(stop);
      };
      sweepers.add(stop);
      return stop;
    },

    ...operationMethods(run),

    async respond(id, requestId, response, respondOptions) {
      guard();
      assertSessionId(id, COMPONENT);
      const args = parse(respondSchema, { requestId, response, options: respondOptions ?? {} }, "response");
      const { operationId, ...by } = args.options;
      assertOperationId(operationId);
      const operation: Operation = { kind: "respond", requestId, ...args.response, ...by };
      const decider = claims.decider(id, operation, operationId, "respond");
      let first = false;
      const watched = observed(decider, (decision) => {
        first = decision.events.some((event) => event.type === "input_received");
      });
      const session = await mutateAsync(store, id, watched, loopOptions).catch((error: unknown) => {
        if (isSessionKitError(error, "ERR_LEASE_LOST")) claims.lose(id);
        throw error;
      });
      const answer = ownEntry(session.inputAnswers, requestId);
      if (answer === undefined) throw errors.notFound(COMPONENT, id);
      return { session, answer, first };
    },

    listAwaitingInput: async (query) => {
      guard();
      return store.listAwaitingInput(query);
    },

    async applyRetention(runOptions) {
      guard();
      const {
        dryRun = false,
        policies,
        waitMs,
        leaseMs,
      } = parse(retentionRunSchema, runOptions ?? {}, "options");
      const rules = (policies ?? parsed.retention ?? []) as RetentionPolicy[];
      // A dry run changes nothing, so it needs no lease; a store without leases runs unguarded.
      if (dryRun || !store.capabilities.namedLeases) return applyRetention(store, clock, rules, dryRun);
      const lease = await acquireRetentionLease(store, clock, {
        ...(waitMs === undefined ? {} : { waitMs }),
        ...(leaseMs === undefined ? {} : { leaseMs }),
      });
      try {
        return await applyRetention(store, clock, rules, false, lease);
      } finally {
        await lease.release();
      }
    },

    async listHolds() {
      guard();
      return listHolds(store);
    },

    sync() {
      guard();
      syncFace ??= createSyncFace(store.sync(), { ...loopOptions, guard, claims, prepareStart });
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
      for (const stop of [...sweepers]) stop();
      closing = (async () => {
        await claims.close(timeoutMs);
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
