import { isSessionKitError, isValidSessionId, SessionKitError, type SessionManager } from "@sessionkit/core";
import { COMPONENT, manager, syncStore } from "./state.js";
import { readAgentSession } from "./store-api.js";
import type { AgentSession, CreateSessionOptions, SessionStatus } from "./types.js";

/** Options of `resumeSession` beyond the seed's: raise the iteration budget (e.g. after a timeout). */
export interface ResumeOptions {
  /** Adds this many iterations to maxIterations. */
  extendIterations?: number;
  /** Sets maxIterations. */
  maxIterations?: number;
}

/** Keeps the seed's error text ("Cannot pause session in status: paused") on a typed error. */
function transitionError(verb: string, id: string, cause: SessionKitError): SessionKitError {
  const details = cause.details as { from?: unknown; status?: unknown };
  const status = details.from ?? details.status ?? readStatus(id);
  return new SessionKitError(
    "ERR_INVALID_TRANSITION",
    `Cannot ${verb} session in status: ${status}. ${cause.message}`,
    {
      cause,
      details: { ...cause.details, id },
    },
  );
}

function readStatus(id: string): string {
  try {
    return syncStore().get(id)?.status ?? "missing";
  } catch {
    return "unreadable";
  }
}

/**
 * Runs a lifecycle step: null for a missing session or an invalid id, the seed's message on an
 * illegal transition. When the session already is in `already` (the status this step leads to),
 * the step is a no-op that returns the session: nothing is written, no event, no webhook.
 */
async function transition(
  id: string,
  verb: string,
  run: (m: SessionManager) => Promise<unknown>,
  already?: SessionStatus,
): Promise<AgentSession | null> {
  if (!isValidSessionId(id)) return null;
  try {
    await run(manager());
  } catch (error) {
    if (isSessionKitError(error, "ERR_SESSION_NOT_FOUND")) return null;
    if (isSessionKitError(error, "ERR_INVALID_TRANSITION")) {
      const { status } = error.details as { status?: unknown };
      if (already !== undefined && status === already) return readAgentSession(id);
      throw transitionError(verb, id, error);
    }
    throw error;
  }
  return readAgentSession(id);
}

/** Records an event through the manager: false for a missing session or an invalid id. */
async function record(id: string, run: (m: SessionManager) => Promise<unknown>): Promise<boolean> {
  if (!isValidSessionId(id)) return false;
  try {
    await run(manager());
    return true;
  } catch (error) {
    if (isSessionKitError(error, "ERR_SESSION_NOT_FOUND")) return false;
    throw error;
  }
}

/** Starts an active session (webhook `start` after it is saved, never awaited). */
export async function startSession(
  task: string,
  mode: string,
  options: Partial<CreateSessionOptions> = {},
): Promise<AgentSession> {
  const { task: _t, mode: _m, ...rest } = options;
  const started = await manager().start({ ...rest, task, mode });
  const session = readAgentSession(started.id);
  if (!session) {
    throw new SessionKitError(
      "ERR_SESSION_NOT_FOUND",
      `[${COMPONENT}] Session "${started.id}" was deleted right after it started.`,
    );
  }
  return session;
}

/** Pauses an active session; null if missing; throws "Cannot pause session in status: …" otherwise. */
export function pauseSession(id: string, reason?: string): Promise<AgentSession | null> {
  return transition(id, "pause", (m) => m.pause(id, reason));
}

/**
 * Resumes a paused session; null if missing. An active session is returned as it is (the
 * manager's no-op resume: no `resume` event, no webhook; the seed threw here while
 * isSessionResumable said yes). Other statuses, and options on an active session, throw
 * "Cannot resume session in status: …".
 */
export function resumeSession(id: string, options?: ResumeOptions): Promise<AgentSession | null> {
  return transition(id, "resume", (m) => m.resume(id, options));
}

/**
 * Completes a session with its result; null if missing. Completing a completed session again
 * returns it unchanged (the seed added a second `complete`); other finished sessions throw.
 */
export function completeSession(id: string, result: string): Promise<AgentSession | null> {
  return transition(id, "complete", (m) => m.complete(id, result), "completed");
}

/**
 * Fails a session with an error message; null if missing. Failing a failed session again returns
 * it unchanged (the seed's SessionAwareAgent fails twice on an agent error); other finished
 * sessions throw.
 */
export function failSession(id: string, error: string): Promise<AgentSession | null> {
  return transition(id, "fail", (m) => m.fail(id, error), "failed");
}

/**
 * Appends an event; false if the session is missing. Lifecycle types act as their operation
 * (`iteration` counts and may time out, `complete`/`error`/`pause`/`resume` change the status).
 */
export function addEvent(id: string, type: string, data: Record<string, unknown> = {}): Promise<boolean> {
  switch (type) {
    case "iteration":
      return record(id, (m) => m.incrementIteration(id, data));
    case "complete":
      return record(id, (m) => m.complete(id, typeof data.result === "string" ? data.result : ""));
    case "error":
      return record(id, (m) => m.fail(id, typeof data.error === "string" ? data.error : "Failed"));
    case "pause":
      return record(id, (m) => m.pause(id, typeof data.reason === "string" ? data.reason : undefined));
    case "resume":
      return record(id, (m) => m.resume(id));
    default:
      return record(id, (m) => m.addEvent(id, type, data));
  }
}

/** Counts one iteration; at maxIterations the session becomes `timeout` with a `timeout` event. */
export function incrementIteration(id: string, data: Record<string, unknown> = {}): Promise<boolean> {
  return record(id, (m) => m.incrementIteration(id, data));
}

/** Records a tool call `{tool, args, result}`. */
export function recordToolCall(id: string, tool: string, args: unknown, result: unknown): Promise<boolean> {
  return record(id, (m) => m.recordToolCall(id, tool, args, result));
}

/** Records a learning `{insight, expertiseFile}`. */
export function recordLearning(id: string, insight: string, expertiseFile?: string): Promise<boolean> {
  return record(id, (m) => m.recordLearning(id, insight, expertiseFile));
}
