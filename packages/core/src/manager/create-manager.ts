import { assertSessionId } from "../ids.js";
import type { JsonObject } from "../json.js";
import { CORE_EVENT_TYPES, type Session } from "../model.js";
import type { CommitResult, SessionStore } from "../store.js";
import { exportSessions, importSessions } from "../transfer.js";
import {
  createWebhookDispatcher,
  type WebhookDelivery,
  type WebhookDispatcher,
} from "../webhooks/dispatcher.js";
import { resolveWebhook } from "../webhooks/options.js";
import { toNotification } from "../webhooks/payload.js";
import { createCommitter } from "./commit-loop.js";
import { createListeners } from "./listeners.js";
import { findPage, listAll } from "./queries.js";
import { invalidInput, managerClosed, readOps } from "./read-ops.js";
import {
  anyJson,
  COMPONENT,
  closeOptionsSchema,
  dataSchema,
  eventTypeSchema,
  iterationOptionsSchema,
  managerOptionsSchema,
  parse,
  resumeOptionsSchema,
  startInputSchema,
} from "./schemas.js";
import { decide, type Operation } from "./transitions.js";
import type { SessionManager, SessionManagerOptions } from "./types.js";

/** Event types that only their own operation may write (they imply a transition or are written by one). */
const RESERVED_EVENT_TYPES = new Set<string>(
  CORE_EVENT_TYPES.filter((type) => type !== "tool_call" && type !== "learning"),
);

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

  const committer = createCommitter(store, clock, parsed.maxCommitRetries ?? 50, publish);

  function guard(): void {
    if (closed) throw managerClosed();
  }

  async function run(id: string, op: Operation | (() => Operation)): Promise<Session> {
    guard();
    assertSessionId(id, COMPONENT);
    const operation = typeof op === "function" ? op() : op;
    return committer.mutate(id, (session, nowMs) => decide(session, operation, nowMs));
  }

  const reads = readOps(store, clock, parsed.recentHistorySize ?? 10, guard);

  return {
    store,
    ...reads,

    async start(input) {
      guard();
      const data = parse(startInputSchema, input, "input");
      if (data.id !== undefined) assertSessionId(data.id, COMPONENT);
      const nowMs = clock.now();
      const deadlineAt =
        data.timeoutMs !== undefined ? new Date(nowMs + data.timeoutMs).toISOString() : data.deadlineAt;
      if (deadlineAt !== undefined && Date.parse(deadlineAt) <= nowMs) {
        throw invalidInput("`deadlineAt` to be in the future", deadlineAt, "Pass a later deadline, or none.");
      }
      const { timeoutMs: _timeoutMs, ...fields } = data;
      const startData: JsonObject = { task: data.task, mode: data.mode };
      if (data.workspace !== undefined) startData.workspace = data.workspace;
      const result = await store.create(
        { ...fields, ...(deadlineAt === undefined ? {} : { deadlineAt }) },
        { events: [{ type: "start", data: startData }] },
      );
      publish(result);
      return result.session;
    },

    pause: (id, reason) =>
      run(id, () => {
        if (reason !== undefined && typeof reason !== "string") {
          throw invalidInput("`reason` to be a string", reason, "Pass a short text, or nothing.");
        }
        return { kind: "pause", ...(reason === undefined ? {} : { reason }) };
      }),

    resume: (id, options) =>
      run(id, () => {
        const parsedOptions = parse(resumeOptionsSchema, options ?? {}, "options");
        return { kind: "resume", ...parsedOptions };
      }),

    complete: (id, result) =>
      run(id, () => {
        if (result !== undefined && typeof result !== "string") {
          throw invalidInput(
            "`result` to be a string",
            result,
            "Serialise the result (e.g. JSON.stringify) first.",
          );
        }
        return { kind: "complete", ...(result === undefined ? {} : { result }) };
      }),

    fail: (id, error) =>
      run(id, () => {
        const message = error instanceof Error ? error.message : error;
        if (typeof message !== "string") {
          throw invalidInput("`error` to be a string or an Error", error, "Pass error.message or the Error.");
        }
        return { kind: "fail", error: message };
      }),

    incrementIteration: (id, data, iterationOptions) =>
      run(id, () => {
        const parsedData = parse(dataSchema("data"), data, "data") ?? {};
        const { usage } = parse(iterationOptionsSchema, iterationOptions ?? {}, "options");
        if (usage !== undefined && Object.hasOwn(parsedData, "usage")) {
          throw invalidInput(
            "`data.usage` to be absent when `options.usage` is given",
            parsedData.usage,
            "Rename the key in data; the manager records usage there.",
          );
        }
        return { kind: "iterate", data: parsedData, ...(usage === undefined ? {} : { usage }) };
      }),

    recordToolCall: (id, tool, args, result) =>
      run(id, () => {
        if (typeof tool !== "string" || tool.length === 0) {
          throw invalidInput("`tool` to be a non-empty string", tool, "Pass the tool's name.");
        }
        const data: JsonObject = { tool };
        const argsJson = parse(anyJson("args"), args, "args");
        const resultJson = parse(anyJson("result"), result, "result");
        if (argsJson !== undefined) data.args = argsJson;
        if (resultJson !== undefined) data.result = resultJson;
        return { kind: "record", type: "tool_call", data };
      }),

    recordLearning: (id, insight, expertiseFile) =>
      run(id, () => {
        if (typeof insight !== "string")
          throw invalidInput("`insight` to be a string", insight, "Pass the text.");
        if (expertiseFile !== undefined && typeof expertiseFile !== "string") {
          throw invalidInput("`expertiseFile` to be a string", expertiseFile, "Pass a path, or nothing.");
        }
        const data: JsonObject = { insight };
        if (expertiseFile !== undefined) data.expertiseFile = expertiseFile;
        return { kind: "record", type: "learning", data };
      }),

    addEvent: (id, type, data) =>
      run(id, () => {
        const eventType = parse(eventTypeSchema, type, "type");
        if (RESERVED_EVENT_TYPES.has(eventType)) {
          throw invalidInput(
            `\`type\` to be a custom event type, not the core type "${eventType}"`,
            eventType,
            "Use the manager operation that writes it (start, pause, resume, complete, fail, incrementIteration, updateContext).",
          );
        }
        return { kind: "record", type: eventType, data: parse(dataSchema("data"), data, "data") ?? {} };
      }),

    updateContext: (id, partial) =>
      run(id, () => {
        if (partial === null || typeof partial !== "object" || Array.isArray(partial)) {
          throw invalidInput(
            "`partial` to be a plain object",
            partial,
            "Pass the keys to merge into the context.",
          );
        }
        const unset = Object.keys(partial).filter((key) => partial[key] === undefined);
        const set = parse(dataSchema("partial"), partial, "partial") ?? {};
        return { kind: "context", set, unset };
      }),

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
