import {
  type SessionEvent as CoreEvent,
  type SessionFilter as CoreFilter,
  type SessionSummary as CoreSummary,
  type PauseInfo,
  type Session,
  SessionKitError,
} from "@sessionkit/core";
import { describeValue } from "@sessionkit/core/driver";
import { COMPONENT } from "./state.js";
import type { AgentSession, SessionEvent, SessionFilter, SessionSummary } from "./types.js";

/** A stored session and its history in the seed's `AgentSession` shape (plus version fields). */
export function toAgentSession(session: Session, history: CoreEvent[]): AgentSession {
  const out: Record<string, unknown> = {
    id: session.id,
    userId: session.userId,
    channelId: session.channelId,
    mode: session.mode,
    task: session.task,
    workspace: session.workspace,
    status: session.status,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
    iterations: session.iterations,
    maxIterations: session.maxIterations,
    context: contextView(session),
    history: history.map(toEvent),
    result: session.result,
    error: session.error,
    metadata: session.metadata,
    endedAt: session.endedAt,
    deadlineAt: session.deadlineAt,
    pause: session.pause,
    version: session.version,
    eventCount: session.eventCount,
  };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out as unknown as AgentSession;
}

/**
 * The session's context as the seed showed it: while paused, `pausedAt` / `pauseReason` from
 * `session.pause` (the seed wrote them into the context; the bot reads them there). A view only:
 * the stored context never holds them, and writes strip them again (see stripPauseView).
 */
export function contextView(session: Pick<Session, "status" | "pause" | "context">): Record<string, unknown> {
  if (session.status !== "paused" || session.pause === undefined) return session.context;
  const view: Record<string, unknown> = { ...session.context, pausedAt: session.pause.at };
  // The seed stored the raw reason: no reason given, no pauseReason.
  if (session.pause.reason === undefined) delete view.pauseReason;
  else view.pauseReason = session.pause.reason;
  return view;
}

/**
 * A context about to be written, without the keys contextView added: a key whose value is the
 * view's is put back to the stored value (the user's own key of that name) or removed.
 */
export function stripPauseView(
  context: Record<string, unknown>,
  pause: PauseInfo | undefined,
  stored: Record<string, unknown>,
): Record<string, unknown> {
  if (pause === undefined) return context;
  const out = { ...context };
  const shown: Record<string, unknown> = { pausedAt: pause.at, pauseReason: pause.reason };
  for (const [key, value] of Object.entries(shown)) {
    if (value === undefined || out[key] !== value) continue;
    if (Object.hasOwn(stored, key)) out[key] = stored[key];
    else delete out[key];
  }
  return out;
}

/**
 * A seed-style pause written by hand (`context.pausedAt = …; status = "paused"; saveSession(s)`):
 * the pause details move out of the context, as they do when a seed file is read.
 */
export function takeSeedPause(context: Record<string, unknown>): PauseInfo | undefined {
  const at = context.pausedAt;
  if (typeof at !== "string" || Number.isNaN(Date.parse(at))) return undefined;
  const reason = context.pauseReason;
  delete context.pausedAt;
  delete context.pauseReason;
  return typeof reason === "string"
    ? { at: new Date(at).toISOString(), reason }
    : { at: new Date(at).toISOString() };
}

/** A stored event in the seed's shape, keeping its seq. */
export function toEvent(event: CoreEvent): SessionEvent {
  return { seq: event.seq, timestamp: event.timestamp, type: event.type, data: event.data };
}

/** A core summary in the seed's `SessionSummary` shape. */
export function toSeedSummary(summary: CoreSummary): SessionSummary {
  return { ...summary } as SessionSummary;
}

/** A seed filter split into the store filter, the page window, and whether it can match anything. */
export interface ParsedSeedFilter {
  filter: CoreFilter;
  offset: number;
  /** Undefined: no limit. */
  limit: number | undefined;
  /** False when the filter can match nothing (an empty status array, limit 0). */
  canMatch: boolean;
}

function invalidQuery(field: string, value: unknown, expected: string): SessionKitError {
  return new SessionKitError(
    "ERR_INVALID_QUERY",
    `[${COMPONENT}] Expected \`${field}\` to be ${expected}, got ${describeValue(value)}. Fix the filter.`,
    { details: { field } },
  );
}

/**
 * Converts the seed's filter. Kept from the seed: empty strings mean "no filter" and an empty
 * status array matches nothing. Fixed: dates compare as instants, `limit: 0` returns nothing.
 */
export function parseSeedFilter(input: SessionFilter | undefined): ParsedSeedFilter {
  const source = input ?? {};
  if (typeof source !== "object" || Array.isArray(source)) throw invalidQuery("filter", source, "an object");
  const filter: CoreFilter = {};
  let canMatch = true;
  for (const key of ["userId", "channelId", "mode"] as const) {
    const value = source[key];
    if (value) filter[key] = value;
  }
  if (source.status !== undefined) {
    if (Array.isArray(source.status) && source.status.length === 0) canMatch = false;
    else filter.status = source.status;
  }
  if (source.createdAfter) filter.createdAfter = source.createdAfter;
  if (source.createdBefore) filter.createdBefore = source.createdBefore;
  const offset = source.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalidQuery("offset", offset, "a non-negative integer");
  const limit = source.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw invalidQuery("limit", limit, "a non-negative integer (0 returns nothing)");
  }
  if (limit === 0) canMatch = false;
  return { filter, offset, limit, canMatch };
}
