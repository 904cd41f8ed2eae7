import {
  isSessionResumable as coreIsResumable,
  isSessionKitError,
  isValidSessionId,
  SessionKitError,
  sessionDuration,
  sessionProgress,
} from "@sessionkit/core";
import { toJsonObject } from "@sessionkit/core/driver";
import { contextView, stripPauseView, toEvent } from "./convert.js";
import { COMPONENT, manager, nowMs, syncStore } from "./state.js";
import { assertAge, listSessions, pruneOlderThan, readAgentSession } from "./store-api.js";
import type { AgentSession, SessionContext, SessionFilter, SessionStatus, SessionSummary } from "./types.js";

const DAY_MS = 86_400_000;

/**
 * Shallow-merges `context` into the session's context and records a `context` event, as the
 * manager does; a key set to undefined is removed (it vanished from the seed's JSON too). Only
 * active and paused sessions take context changes; null if the session is missing.
 */
export function updateContext(id: string, context: Record<string, unknown>): AgentSession | null {
  if (!isValidSessionId(id)) return null;
  const sync = syncStore();
  let given = context ?? {};
  if ("pausedAt" in given || "pauseReason" in given) {
    // Written back from a paused session's view: those keys are the pause, not context.
    const current = sync.get(id);
    if (current) given = stripPauseView(given, current.pause, current.context);
  }
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) unset.push(key);
    else set[key] = value;
  }
  try {
    // The manager's own synchronous face: its decision (transition table, deadline rule, `context`
    // event), its commit loop, and its webhooks and listener events.
    manager()
      .sync()
      .apply(id, { kind: "context", set: toJsonObject(set, "context", COMPONENT), unset });
  } catch (error) {
    if (isSessionKitError(error, "ERR_SESSION_NOT_FOUND")) return null;
    if (isSessionKitError(error, "ERR_INVALID_TRANSITION")) {
      const { status } = error.details as { status?: unknown };
      throw new SessionKitError(
        "ERR_INVALID_TRANSITION",
        `Cannot updateContext on session in status: ${String(status)}. ${error.message}`,
        { cause: error, details: { ...error.details, id } },
      );
    }
    throw error;
  }
  return readAgentSession(id, sync);
}

/** What an agent needs to continue: task, progress, context and the last 10 events (oldest first). */
export function getSessionContext(id: string): SessionContext | null {
  if (!isValidSessionId(id)) return null;
  const sync = syncStore();
  const session = sync.get(id);
  if (!session) return null;
  const recent = session.eventCount === 0 ? [] : sync.readEvents(id, { last: 10 });
  const out: SessionContext = {
    sessionId: session.id,
    task: session.task,
    mode: session.mode,
    workspace: session.workspace,
    iterations: session.iterations,
    maxIterations: session.maxIterations,
    context: contextView(session),
    recentHistory: recent.map(toEvent),
    status: session.status,
  };
  if (out.workspace === undefined) delete out.workspace;
  return out;
}

/**
 * The seed's answer, from the manager's own decision (`isSessionResumable` of core): true for
 * paused sessions, and for active ones (resumeSession returns them unchanged) exactly when no live
 * owner other than the drop-in's own manager holds them (an expired lease or a dead same-host
 * owner process does not count); false for missing, completed, failed and timed-out sessions.
 */
export function isSessionResumable(id: string): boolean {
  if (!isValidSessionId(id)) return false;
  const session = syncStore().get(id);
  return session !== null && coreIsResumable(session, { nowMs: nowMs(), owner: manager().ownerId });
}

function byStatus(status: SessionStatus, filter?: Omit<SessionFilter, "status">): SessionSummary[] {
  return listSessions({ ...filter, status });
}

/** Active sessions matching the filter. */
export function getActiveSessions(filter?: Omit<SessionFilter, "status">): SessionSummary[] {
  return byStatus("active", filter);
}

/** Paused sessions matching the filter. */
export function getPausedSessions(filter?: Omit<SessionFilter, "status">): SessionSummary[] {
  return byStatus("paused", filter);
}

/** Completed sessions matching the filter. */
export function getCompletedSessions(filter?: Omit<SessionFilter, "status">): SessionSummary[] {
  return byStatus("completed", filter);
}

/** Failed sessions matching the filter. */
export function getFailedSessions(filter?: Omit<SessionFilter, "status">): SessionSummary[] {
  return byStatus("failed", filter);
}

/** Timed-out sessions matching the filter (the seed had no getter for them). */
export function getTimedOutSessions(filter?: Omit<SessionFilter, "status">): SessionSummary[] {
  return byStatus("timeout", filter);
}

/**
 * Milliseconds from creation to the end, or to now while it runs (core's sessionDuration; the
 * seed measured to updatedAt); null if missing.
 */
export function getSessionDuration(id: string): number | null {
  if (!isValidSessionId(id)) return null;
  const session = syncStore().get(id);
  return session === null ? null : sessionDuration(session, nowMs());
}

/** iterations / maxIterations × 100, not capped, as in the seed (core's sessionProgress); null if missing. */
export function getSessionProgress(id: string): number | null {
  if (!isValidSessionId(id)) return null;
  const session = syncStore().get(id);
  return session === null ? null : sessionProgress(session, { capped: false });
}

/** Deletes finished sessions last changed more than `maxAgeDays` **days** ago (default 30); returns how many. */
export function cleanupSessions(maxAgeDays = 30): number {
  assertAge(maxAgeDays, "maxAgeDays", "days", "For milliseconds use cleanupOldSessions(ms).");
  return pruneOlderThan(maxAgeDays * DAY_MS);
}
