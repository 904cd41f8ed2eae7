import { describeValue, SessionKitError } from "../errors.js";
import type { JsonObject, JsonValue } from "../json.js";
import type { InputAction, InputAnswer, InputRequest, LegalHold, NewEvent, Session } from "../model.js";
import type { SessionPatch } from "../store.js";
import { canonicalDigest, ownEntry } from "./idempotency.js";
import { COMPONENT } from "./schemas.js";

/** What the sweeper does with a request whose `expiresAt` has passed. */
export type InputExpiryPolicy =
  | "timeout"
  | "failed"
  | { respond: { action: InputAction; value?: JsonValue } };

/** The inbox and hold operations (decided here; the transition table lists where each is legal). */
export type InboxOperation =
  | { kind: "request_input"; request: Omit<InputRequest, "requestedAt"> }
  | {
      kind: "respond";
      requestId: string;
      action: InputAction;
      value?: JsonValue;
      by?: string;
      keepPaused?: boolean;
    }
  | { kind: "expire_input"; policy: InputExpiryPolicy }
  | { kind: "hold"; reason: string; by?: string }
  | { kind: "unhold"; by?: string }
  | { kind: "expiry"; expiresAt: string | null };

/** Open requests per session at most; more is a design problem, not a queue. */
export const MAX_OPEN_REQUESTS = 100;
/** Resolved requests remembered per session (a second response returns the first); oldest dropped. */
export const INPUT_ANSWER_RETENTION = 128;

/** The pause of a session waiting for people. */
export const AWAITING_INPUT = "awaiting_input";

type Step = { patch: SessionPatch; events: NewEvent[] };

/** The operations that start new work, refused while requests are open unless the caller forces them. */
export function inputPending(
  session: Session,
  kind: string,
  eventType?: string,
): SessionKitError | undefined {
  const open = session.inputRequests ?? [];
  if (open.length === 0) return undefined;
  if (kind !== "iterate" && kind !== "resume" && !(kind === "record" && eventType === "tool_call"))
    return undefined;
  return new SessionKitError(
    "ERR_INPUT_PENDING",
    `[${COMPONENT}] Session ${describeValue(session.id)} waits for input (${open.map((r) => describeValue(r.requestId)).join(", ")}). Nothing was changed; respond first, or pass { force: true } to start work anyway.`,
    { details: { id: session.id, requestIds: open.map((r) => r.requestId) } },
  );
}

function inputError(
  code: "ERR_INPUT_NOT_FOUND" | "ERR_INPUT_EXPIRED",
  session: Session,
  requestId: string,
  why: string,
) {
  return new SessionKitError(
    code,
    `[${COMPONENT}] Cannot respond to request ${describeValue(requestId)} of session ${describeValue(session.id)}: ${why}. Nothing was changed.`,
    { details: { id: session.id, requestId } },
  );
}

function remember(session: Session, entries: Array<[string, InputAnswer]>): Record<string, InputAnswer> {
  const next: Record<string, InputAnswer> = { ...session.inputAnswers, ...Object.fromEntries(entries) };
  const ids = Object.keys(next).sort((a, b) => next[a]!.version - next[b]!.version);
  for (const id of ids.slice(0, Math.max(0, ids.length - INPUT_ANSWER_RETENTION))) delete next[id];
  return next;
}

/** Back to `active` when the last open request is resolved and the pause was for input (unless told to stay). */
function reactivate(
  session: Session,
  open: InputRequest[],
  keepPaused: boolean | undefined,
  patch: SessionPatch,
): boolean {
  if (open.length > 0 || keepPaused === true) return false;
  if (session.status !== "paused" || session.pause?.reason !== AWAITING_INPUT) return false;
  Object.assign(patch, { status: "active", pause: null } satisfies SessionPatch);
  return true;
}

/** The patch and events of an inbox or hold operation; null when it has nothing to do; an error to refuse. */
export function decideInbox(
  session: Session,
  op: InboxOperation,
  nowMs: number,
): Step | null | SessionKitError {
  const at = new Date(nowMs).toISOString();
  const open = session.inputRequests ?? [];
  const version = session.version + 1;
  switch (op.kind) {
    case "request_input": {
      const { requestId } = op.request;
      const same = open.find((r) => r.requestId === requestId);
      if (same !== undefined || ownEntry(session.inputAnswers, requestId) !== undefined) {
        // The request id names the request: asking again is a retry, asking something else under it is not.
        if (same === undefined) return null;
        const { requestedAt: _at, ...asked } = same;
        if (canonicalDigest(asked) === canonicalDigest(op.request)) return null;
        return new SessionKitError(
          "ERR_IDEMPOTENCY_CONFLICT",
          `[${COMPONENT}] Request id ${describeValue(requestId)} is already open on session ${describeValue(session.id)} with a different request. Nothing was changed; use a new request id.`,
          { details: { id: session.id, requestId } },
        );
      }
      if (open.length >= MAX_OPEN_REQUESTS) {
        return new SessionKitError(
          "ERR_INVALID_INPUT",
          `[${COMPONENT}] Session ${describeValue(session.id)} already has ${open.length} open requests, the most it may have. Nothing was changed; resolve some first.`,
          { details: { id: session.id, open: open.length } },
        );
      }
      const request: InputRequest = { ...op.request, requestedAt: at };
      const patch: SessionPatch = { inputRequests: [...open, request] };
      if (session.status === "active")
        Object.assign(patch, { status: "paused", pause: { at, reason: AWAITING_INPUT } });
      return {
        patch,
        events: [{ type: "input_requested", data: { request: request as unknown as JsonObject } }],
      };
    }
    case "respond": {
      const answered = ownEntry(session.inputAnswers, op.requestId);
      if (answered?.outcome === "expired")
        return inputError("ERR_INPUT_EXPIRED", session, op.requestId, `it expired at ${answered.at}`);
      if (answered !== undefined) return null;
      const request = open.find((r) => r.requestId === op.requestId);
      if (request === undefined)
        return inputError("ERR_INPUT_NOT_FOUND", session, op.requestId, "no such request is open");
      if (request.expiresAt !== undefined && request.expiresAt <= at)
        return inputError("ERR_INPUT_EXPIRED", session, op.requestId, `it expired at ${request.expiresAt}`);
      if (request.allowed !== undefined && !request.allowed.includes(op.action)) {
        return new SessionKitError(
          "ERR_INVALID_INPUT",
          `[${COMPONENT}] Expected the response's \`action\` to be one of ${request.allowed.map((a) => `"${a}"`).join(", ")} (the request allows those), got ${describeValue(op.action)}. Nothing was changed.`,
          { details: { id: session.id, requestId: op.requestId, allowed: request.allowed } },
        );
      }
      const answer: InputAnswer = {
        action: op.action,
        ...(op.value === undefined ? {} : { value: op.value }),
        ...(op.by === undefined ? {} : { by: op.by }),
        at,
        version,
        outcome: "answered",
      };
      const rest = open.filter((r) => r.requestId !== op.requestId);
      const patch: SessionPatch = {
        inputRequests: rest.length > 0 ? rest : null,
        inputAnswers: remember(session, [[op.requestId, answer]]),
      };
      const resumed = reactivate(session, rest, op.keepPaused, patch);
      const data: JsonObject = { requestId: op.requestId, action: op.action, resumed };
      if (op.value !== undefined) data.value = op.value;
      if (op.by !== undefined) data.by = op.by;
      return { patch, events: [{ type: "input_received", data }] };
    }
    case "expire_input":
      return expire(session, op.policy, at, version);
    case "hold": {
      const held = session.hold;
      if (held !== undefined && held.reason === op.reason && held.by === op.by) return null;
      const hold: LegalHold = { reason: op.reason, ...(op.by === undefined ? {} : { by: op.by }), at };
      const data: JsonObject = { reason: op.reason };
      if (op.by !== undefined) data.by = op.by;
      return { patch: { hold }, events: [{ type: "hold", data }] };
    }
    case "expiry": {
      if ((session.expiresAt ?? null) === op.expiresAt) return null;
      return {
        patch: { expiresAt: op.expiresAt },
        events: [{ type: "expiry", data: { expiresAt: op.expiresAt } }],
      };
    }
    case "unhold": {
      if (session.hold === undefined) return null;
      const data: JsonObject = { reason: session.hold.reason };
      if (op.by !== undefined) data.by = op.by;
      return { patch: { hold: null }, events: [{ type: "unhold", data }] };
    }
  }
}

/** The sweeper's expiry of every open request whose expiresAt has passed, by the policy. */
function expire(session: Session, policy: InputExpiryPolicy, at: string, version: number): Step | null {
  const open = session.inputRequests ?? [];
  const expired = open.filter((r) => r.expiresAt !== undefined && r.expiresAt <= at);
  if (expired.length === 0) return null;
  const rest = open.filter((r) => !expired.includes(r));
  const name = typeof policy === "string" ? policy : "respond";
  const action: InputAction = typeof policy === "string" ? "ignore" : policy.respond.action;
  const value = typeof policy === "string" ? undefined : policy.respond.value;
  const answers = expired.map((r): [string, InputAnswer] => [
    r.requestId,
    { action, ...(value === undefined ? {} : { value }), by: "sweeper", at, version, outcome: "expired" },
  ]);
  const events: NewEvent[] = expired.map((r) => ({
    type: "input_expired",
    data: {
      requestId: r.requestId,
      expiresAt: r.expiresAt!,
      policy: name,
      ...(typeof policy === "string" ? {} : { action }),
    },
  }));
  const patch: SessionPatch = { inputAnswers: remember(session, answers) };
  const requestIds = expired.map((r) => r.requestId);
  if (policy === "timeout" || policy === "failed") {
    Object.assign(patch, {
      status: policy,
      endedAt: at,
      pause: null,
      inputRequests: null,
    } satisfies SessionPatch);
    if (policy === "timeout") events.push({ type: "timeout", data: { reason: "input_expired", requestIds } });
    else {
      patch.error = `Input request ${requestIds.join(", ")} expired`;
      events.push({ type: "error", data: { error: patch.error, reason: "input_expired", requestIds } });
    }
    return { patch, events };
  }
  patch.inputRequests = rest.length > 0 ? rest : null;
  reactivate(session, rest, false, patch);
  return { patch, events };
}
