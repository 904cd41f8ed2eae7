import { describeValue, SessionKitError } from "../errors.js";
import type { JsonObject } from "../json.js";
import { isTerminalStatus, type NewEvent, type Session, type SessionStatus } from "../model.js";
import type { SessionPatch } from "../store.js";
import { accumulateUsage, withToolUsed } from "./accounting.js";
import { priorOperation, replayedResult } from "./idempotency.js";
import { decideInbox, type InboxOperation, inputPending } from "./inbox.js";
import {
  type Actor,
  decideOwnership,
  fence,
  leaseLost,
  type OwnershipOperation,
  releaseOnEnd,
} from "./ownership.js";

export type { Actor };

/** Token counts an iteration used; every field is added to `metadata.tokens`. */
export interface TokenUsage {
  prompt?: number;
  completion?: number;
  total?: number;
}

/** What one iteration cost, accumulated into the session's metadata. */
export interface IterationUsage {
  /** A number counts as `total`. */
  tokens?: number | TokenUsage;
  /** Added to `metadata.cost`. */
  cost?: number;
  /** Replaces `metadata.model`. */
  model?: string;
  /** Merged into `metadata.toolsUsed` (unique, first-seen order). */
  toolsUsed?: string[];
}

/** One lifecycle operation, already validated. */
export type Operation =
  | { kind: "pause"; reason?: string }
  | { kind: "resume"; extendIterations?: number; maxIterations?: number; deadlineAt?: string | null }
  | { kind: "complete"; result?: string }
  | { kind: "fail"; error: string }
  | { kind: "iterate"; data: JsonObject; usage?: IterationUsage }
  | { kind: "record"; type: string; data: JsonObject }
  | { kind: "context"; set: JsonObject; unset: string[] }
  | OwnershipOperation
  | InboxOperation;

export type OperationKind = Operation["kind"];

const ALL_STAY = {
  active: "active",
  paused: "paused",
  completed: "completed",
  failed: "failed",
  timeout: "timeout",
} as const;

/**
 * The transition table: for each operation, the statuses it is legal from and the status it
 * leads to. Anything not listed fails with ERR_INVALID_TRANSITION and changes nothing. This
 * object is the single source of truth; `decide` reads it and the README documents it.
 */
export const TRANSITION_TABLE: Readonly<
  Record<OperationKind, Partial<Record<SessionStatus, SessionStatus>>>
> = {
  pause: { active: "paused", timeout: "paused" },
  // active → active changes nothing (no event): resuming a running session is a no-op.
  resume: { active: "active", paused: "active", timeout: "active" },
  complete: { active: "completed", paused: "completed" },
  fail: { active: "failed", paused: "failed" },
  // active → timeout when the iteration reaches the budget (see decide).
  iterate: { active: "active" },
  // Event-only records are an audit trail: appended in every status, the state stays final.
  record: {
    active: "active",
    paused: "paused",
    completed: "completed",
    failed: "failed",
    timeout: "timeout",
  },
  context: { active: "active", paused: "paused" },
  // Ownership (see ownership.ts): claims and heartbeats of a running or paused session; release
  // anywhere; the sweeper's crash only of an active session (→ paused, or its crash policy's status).
  claim: { active: "active", paused: "paused" },
  heartbeat: { active: "active", paused: "paused" },
  release: {
    active: "active",
    paused: "paused",
    completed: "completed",
    failed: "failed",
    timeout: "timeout",
  },
  crash: { active: "paused" },
  // The inbox (see inbox.ts): asking pauses a running session (reason "awaiting_input"); the
  // response that resolves the last open request makes it active again unless told to stay
  // paused; the sweeper's expiry may instead end it (its policy: timeout or failed).
  request_input: { active: "paused", paused: "paused" },
  respond: { active: "active", paused: "active" },
  expire_input: { active: "active", paused: "paused" },
  // Legal holds are set and released in every status: a finished session is what retention deletes.
  hold: ALL_STAY,
  unhold: ALL_STAY,
  // The retention instant too: retention is what removes finished sessions.
  expiry: ALL_STAY,
};

/** What the manager commits for one operation; `error` is thrown after committing the rest. */
export interface Decision {
  patch: SessionPatch;
  events: NewEvent[];
  error?: SessionKitError;
  /** Set when nothing is committed and this earlier result is returned instead (an idempotent replay). */
  replay?: Session;
  /** The operation id this commit records, with its request digest (see CommitInput.operation). */
  operation?: { id: string; digest: string };
}

const OPERATION_NAMES: Record<OperationKind, string> = {
  pause: "pause",
  resume: "resume",
  complete: "complete",
  fail: "fail",
  iterate: "incrementIteration",
  record: "record an event on",
  context: "updateContext on",
  claim: "claim",
  heartbeat: "heartbeat",
  release: "release",
  crash: "mark as crashed",
  request_input: "requestInput on",
  respond: "respond to",
  expire_input: "expire the input requests of",
  hold: "hold",
  unhold: "unhold",
  expiry: "setExpiry on",
};

/** ERR_INVALID_TRANSITION naming the session, its status and the operation. */
export function invalidTransition(session: Session, kind: OperationKind, why?: string): SessionKitError {
  const allowed = Object.keys(TRANSITION_TABLE[kind]);
  const reason =
    why ??
    `${OPERATION_NAMES[kind]} is allowed only from ${allowed.map((status) => `"${status}"`).join(" or ")}`;
  return new SessionKitError(
    "ERR_INVALID_TRANSITION",
    `[manager] Cannot ${OPERATION_NAMES[kind]} session ${describeValue(session.id)} in status "${session.status}": ${reason}. Nothing was changed.`,
    { details: { id: session.id, status: session.status, operation: kind } },
  );
}

/** True when the session's wall-clock deadline has passed at `nowMs` while it could still run. */
export function deadlinePassed(session: Session, nowMs: number): boolean {
  return (
    session.deadlineAt !== undefined &&
    (session.status === "active" || session.status === "paused") &&
    Date.parse(session.deadlineAt) <= nowMs
  );
}

/**
 * Decides what an operation does to a session at `nowMs`: the state patch and events to commit
 * atomically, or an error. A passed deadline first turns the session into `timeout` (committed
 * even when the operation itself is then refused, so the history explains the state).
 */
export function decide(session: Session, op: Operation, nowMs: number, actor: Actor = {}): Decision {
  const { operationId, digest } = actor;
  if (operationId !== undefined && digest !== undefined) {
    const prior = priorOperation(session, operationId, digest);
    if (prior instanceof SessionKitError) return { patch: {}, events: [], error: prior };
    if (prior !== "new") {
      // A claim's generation is the version its commit made: once the session is held under
      // another generation, the first result (the caller owns it) would be a lie.
      if (op.kind === "claim" && session.owner?.generation !== prior.version)
        return { patch: {}, events: [], error: leaseLost(session, { generation: prior.version }) };
      const replayed = replayedResult(session, operationId, prior);
      if (replayed instanceof SessionKitError) return { patch: {}, events: [], error: replayed };
      return { patch: {}, events: [], replay: replayed };
    }
  }
  const fenced = fence(session, op.kind, nowMs, actor);
  if (fenced) return { patch: {}, events: [], error: fenced };
  const decision = decideLifecycle(session, op, nowMs, actor);
  releaseOnEnd(session, decision.patch);
  // A finished session waits for nobody: its open requests close with it.
  const ended = decision.patch.status !== undefined && isTerminalStatus(decision.patch.status);
  if (ended && session.inputRequests !== undefined) decision.patch.inputRequests = null;
  // Remembered even when the call changes nothing else (a no-op): version + 1, no event, and
  // its replays return this commit's result like any other.
  if (operationId !== undefined && digest !== undefined && decision.error === undefined) {
    decision.operation = { id: operationId, digest };
  }
  return decision;
}

function decideLifecycle(session: Session, op: Operation, nowMs: number, actor: Actor): Decision {
  const at = new Date(nowMs).toISOString();
  let current = session;
  const patch: SessionPatch = {};
  const events: NewEvent[] = [];
  if (deadlinePassed(session, nowMs)) {
    Object.assign(patch, { status: "timeout", endedAt: at, pause: null } satisfies SessionPatch);
    events.push({
      type: "timeout",
      data: {
        reason: "deadline",
        deadlineAt: session.deadlineAt,
        iterations: session.iterations,
        maxIterations: session.maxIterations,
      },
    });
    current = { ...session, status: "timeout", endedAt: at };
    delete current.pause;
  }
  const next = TRANSITION_TABLE[op.kind][current.status];
  const pending =
    next !== undefined && !actor.force
      ? inputPending(current, op.kind, op.kind === "record" ? op.type : undefined)
      : undefined;
  if (pending) return { patch, events, error: pending };
  if (next === undefined) {
    // A sweeper's crash of a session that moved on is not an error: there is nothing left to sweep.
    if (op.kind === "crash" || (op.kind === "release" && current.owner === undefined))
      return { patch, events };
    return { patch, events, error: invalidTransition(current, op.kind) };
  }
  if (op.kind === "claim" || op.kind === "heartbeat" || op.kind === "release" || op.kind === "crash") {
    const step = decideOwnership(current, op, nowMs, actor);
    if (step === null) return { patch, events };
    return { patch: { ...patch, ...step.patch }, events: [...events, ...step.events] };
  }
  if (
    op.kind === "request_input" ||
    op.kind === "respond" ||
    op.kind === "expire_input" ||
    op.kind === "hold" ||
    op.kind === "unhold" ||
    op.kind === "expiry"
  ) {
    const step = decideInbox(current, op, nowMs);
    if (step instanceof SessionKitError) return { patch, events, error: step };
    if (step === null) return { patch, events };
    return { patch: { ...patch, ...step.patch }, events: [...events, ...step.events] };
  }
  const step = apply(current, op, nowMs, at);
  if (step instanceof SessionKitError) return { patch, events, error: step };
  return { patch: { ...patch, ...step.patch }, events: [...events, ...step.events] };
}

function apply(
  session: Session,
  op: Exclude<Operation, OwnershipOperation | InboxOperation>,
  nowMs: number,
  at: string,
): Decision | SessionKitError {
  switch (op.kind) {
    case "pause": {
      const data: JsonObject = { reason: op.reason ?? "User requested pause" };
      if (session.status === "timeout") data.from = "timeout";
      const pause = op.reason === undefined ? { at } : { at, reason: op.reason };
      return { patch: { status: "paused", pause, endedAt: null }, events: [{ type: "pause", data }] };
    }
    case "resume":
      return resume(session, op, nowMs);
    case "complete":
      return {
        patch: {
          status: "completed",
          endedAt: at,
          pause: null,
          ...(op.result === undefined ? {} : { result: op.result }),
        },
        events: [{ type: "complete", data: op.result === undefined ? {} : { result: op.result } }],
      };
    case "fail":
      return {
        patch: { status: "failed", endedAt: at, pause: null, error: op.error },
        events: [{ type: "error", data: { error: op.error } }],
      };
    case "iterate": {
      const iterations = session.iterations + 1;
      const data = op.usage === undefined ? op.data : { ...op.data, usage: op.usage as JsonObject };
      const patch: SessionPatch = { iterations };
      if (op.usage !== undefined) {
        const metadata = accumulateUsage(session, op.usage);
        if (metadata instanceof SessionKitError) return metadata;
        patch.metadata = metadata;
      }
      const events: NewEvent[] = [{ type: "iteration", data }];
      if (iterations >= session.maxIterations) {
        Object.assign(patch, { status: "timeout", endedAt: at } satisfies SessionPatch);
        events.push({
          type: "timeout",
          data: { reason: "iterations", iterations, maxIterations: session.maxIterations },
        });
      }
      return { patch, events };
    }
    case "record": {
      const patch: SessionPatch = {};
      if (op.type === "tool_call" && typeof op.data.tool === "string" && op.data.tool.length > 0) {
        const metadata = withToolUsed(session, op.data.tool);
        if (metadata !== undefined) patch.metadata = metadata;
      }
      return { patch, events: [{ type: op.type, data: op.data }] };
    }
    case "context": {
      const context: JsonObject = { ...session.context, ...op.set };
      for (const key of op.unset) delete context[key];
      const data: JsonObject = { set: op.set };
      if (op.unset.length > 0) data.unset = op.unset;
      return { patch: { context }, events: [{ type: "context", data }] };
    }
  }
}

function resume(
  session: Session,
  op: Extract<Operation, { kind: "resume" }>,
  nowMs: number,
): Decision | SessionKitError {
  if (session.status === "active") {
    const changes =
      op.extendIterations !== undefined || op.maxIterations !== undefined || op.deadlineAt !== undefined;
    if (changes) {
      return invalidTransition(
        session,
        "resume",
        "it is already active; resume options apply only to a paused or timed-out session",
      );
    }
    return { patch: {}, events: [] };
  }
  let maxIterations = session.maxIterations;
  if (op.maxIterations !== undefined) maxIterations = op.maxIterations;
  if (op.extendIterations !== undefined) maxIterations += op.extendIterations;
  const deadlineAt = op.deadlineAt === undefined ? session.deadlineAt : (op.deadlineAt ?? undefined);
  if (session.iterations >= maxIterations) {
    return invalidTransition(
      session,
      "resume",
      `its iteration budget is spent (${session.iterations} of ${maxIterations}); pass { extendIterations } or a higher { maxIterations }`,
    );
  }
  if (deadlineAt !== undefined && Date.parse(deadlineAt) <= nowMs) {
    return invalidTransition(
      session,
      "resume",
      `its deadline ${deadlineAt} has passed; pass a later { deadlineAt } (or null to remove it)`,
    );
  }
  const pausedDuration = session.pause ? Math.max(0, nowMs - Date.parse(session.pause.at)) : 0;
  const data: JsonObject = { pausedDuration };
  if (session.status === "timeout") data.from = "timeout";
  const patch: SessionPatch = { status: "active", pause: null, endedAt: null };
  if (maxIterations !== session.maxIterations) {
    patch.maxIterations = maxIterations;
    data.maxIterations = maxIterations;
  }
  if (deadlineAt !== session.deadlineAt) {
    patch.deadlineAt = deadlineAt ?? null;
    data.deadlineAt = deadlineAt ?? null;
  }
  return { patch, events: [{ type: "resume", data }] };
}
