import type { JsonObject, JsonValue } from "./json.js";

/** The five statuses a session can be in. */
export const SESSION_STATUSES = ["active", "paused", "completed", "failed", "timeout"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Statuses a session never leaves. */
export const TERMINAL_STATUSES = [
  "completed",
  "failed",
  "timeout",
] as const satisfies readonly SessionStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** True for completed, failed and timeout. */
export function isTerminalStatus(status: SessionStatus): status is TerminalStatus {
  return status === "completed" || status === "failed" || status === "timeout";
}

/** The event types the lifecycle writes; any other matching EVENT_TYPE_PATTERN is a custom event. */
export const CORE_EVENT_TYPES = [
  "start",
  "iteration",
  "tool_call",
  "learning",
  "pause",
  "resume",
  "complete",
  "error",
  "timeout",
  "context",
  "claim",
  "release",
  "crash",
  "input_requested",
  "input_received",
  "input_expired",
  "hold",
  "unhold",
  "expiry",
] as const;
export type CoreEventType = (typeof CORE_EVENT_TYPES)[number];

/** Event types are short identifiers: letters, digits, `_`, `.`, `:` and `-`. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

/** Well-known metadata keys (from the seed module); any other JSON member is allowed too. */
export interface SessionMetadata {
  model?: string;
  timeout?: number;
  enableLearning?: boolean;
  delegated?: boolean;
  blockedActions?: Array<{ action: string; reason: string }>;
  toolsUsed?: string[];
  cost?: number;
  tokens?: { prompt: number; completion: number; total: number };
  [key: string]: JsonValue | undefined;
}

/** Why and when a paused session was paused (kept out of the user's `context`). */
export interface PauseInfo {
  at: string;
  reason?: string;
}

/** The process that owns an active session (see the manager's ownership). */
export interface SessionOwner {
  /** The owner's id (one per manager unless given). */
  id: string;
  /** `os.hostname()` of the owning process. */
  host: string;
  pid: number;
  /** When the owning process started (from /proc on Linux), so a reused pid is not taken for the owner. */
  startedAt: string;
  /** The fencing token: the session version of the commit that claimed it; grows with every claim. */
  generation: number;
}

/**
 * One remembered idempotent operation: a digest of the request, the version its commit produced
 * and, for the most recent few, the session that commit returned (without its `operations`).
 */
export interface OperationRecord {
  digest: string;
  version: number;
  /** The first result, replayed as it was (kept for the last 8 operations, when at most 16 KiB). */
  result?: Omit<Session, "operations">;
}

/** What a person may do with an input request (LangGraph's human-interrupt actions). */
export const INPUT_ACTIONS = ["accept", "edit", "respond", "ignore"] as const;
export type InputAction = (typeof INPUT_ACTIONS)[number];

/** The kinds of input a session can wait for. */
export const INPUT_KINDS = ["approval", "question", "choice"] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

/** An open question, approval or choice the session waits on (see manager.requestInput). */
export interface InputRequest {
  requestId: string;
  kind: InputKind;
  prompt: string;
  payload?: JsonValue;
  /** Actions a response may take (default: any). */
  allowed?: InputAction[];
  /** After this instant a response is refused (ERR_INPUT_EXPIRED) and the sweeper expires it. */
  expiresAt?: string;
  tags?: string[];
  requestedAt: string;
}

/** How a request was resolved; kept so that a second response returns the first one. */
export interface InputAnswer {
  action: InputAction;
  value?: JsonValue;
  by?: string;
  at: string;
  /** The session version the resolution committed. */
  version: number;
  /** "expired" when the sweeper resolved it at its expiry (by its policy). */
  outcome: "answered" | "expired";
}

/** A legal hold: while set, no path deletes the session. */
export interface LegalHold {
  reason: string;
  by?: string;
  at: string;
}

/** A session's state, without its history. Every timestamp is ISO-8601 UTC with milliseconds. */
export interface Session {
  id: string;
  userId?: string;
  channelId?: string;
  mode: string;
  task: string;
  workspace?: string;
  status: SessionStatus;
  createdAt: string;
  /** Time of the last committed change. */
  updatedAt: string;
  /** When the session reached a terminal status. */
  endedAt?: string;
  iterations: number;
  maxIterations: number;
  /** Optional wall-clock deadline; the manager times the session out once it has passed. */
  deadlineAt?: string;
  /**
   * Optional retention instant: after it, applyRetention removes the session whatever its status
   * or age (a legal hold still wins). Set by manager.start or manager.setExpiry.
   */
  expiresAt?: string;
  context: JsonObject;
  result?: string;
  error?: string;
  pause?: PauseInfo;
  metadata?: SessionMetadata;
  /** The live owner, when the session is claimed (ownership is opt-in per manager). */
  owner?: SessionOwner;
  /** Until when the owner's lease holds; a sweeper may take the session over after it. */
  leaseUntil?: string;
  /** Recent operation ids → request digest and resulting version (idempotency; bounded). */
  operations?: Record<string, OperationRecord>;
  /** The input requests the session waits on (awaiting input), oldest first. */
  inputRequests?: InputRequest[];
  /** Resolved requests by id (the most recent 128), so a second response returns the first. */
  inputAnswers?: Record<string, InputAnswer>;
  /** A legal hold: the session is never deleted while it is set. */
  hold?: LegalHold;
  /** Grows by exactly one with every committed change; the basis of optimistic concurrency. */
  version: number;
  /** Number of events in the history; the last event's `seq`. */
  eventCount: number;
}

/**
 * What listing returns: a session without context, result, error, pause, operation, inbox and hold
 * details. Owner and lease are listed: they are small, and a list can then tell a stuck session
 * (isSessionStuck) without reading each record.
 */
export type SessionSummary = Omit<
  Session,
  "context" | "result" | "error" | "pause" | "operations" | "inputRequests" | "inputAnswers" | "hold"
>;

/** One history entry. `seq` starts at 1 and is contiguous within a session. */
export interface SessionEvent {
  seq: number;
  timestamp: string;
  type: string;
  data: JsonObject;
}

/** A session together with its whole history (the seed's `AgentSession`, plus version fields). */
export interface AgentSession extends Session {
  history: SessionEvent[];
}

/** An event to append; the store assigns `seq` and `timestamp`. */
export interface NewEvent {
  type: string;
  data?: Record<string, unknown>;
}

/** A session's fields in the data model's order: the order of canonical JSON (exports). */
export const SESSION_KEY_ORDER = [
  "id",
  "userId",
  "channelId",
  "mode",
  "task",
  "workspace",
  "status",
  "createdAt",
  "updatedAt",
  "endedAt",
  "iterations",
  "maxIterations",
  "deadlineAt",
  "expiresAt",
  "context",
  "result",
  "error",
  "pause",
  "metadata",
  "owner",
  "leaseUntil",
  "operations",
  "inputRequests",
  "inputAnswers",
  "hold",
  "version",
  "eventCount",
] as const satisfies readonly (keyof Session)[];

const DETAIL_KEYS: ReadonlySet<string> = new Set<Exclude<keyof Session, keyof SessionSummary>>([
  "context",
  "result",
  "error",
  "pause",
  "operations",
  "inputRequests",
  "inputAnswers",
  "hold",
]);

/** Summary fields, in one place so every adapter projects the same ones. */
export const SUMMARY_KEYS: readonly (keyof SessionSummary)[] = SESSION_KEY_ORDER.filter(
  (key): key is (typeof SESSION_KEY_ORDER)[number] & keyof SessionSummary => !DETAIL_KEYS.has(key),
);

/** Projects a session onto its summary (absent optional fields stay absent). */
export function toSummary(session: Session): SessionSummary {
  const out: Record<string, unknown> = {};
  for (const key of SUMMARY_KEYS) {
    const value = session[key];
    if (value !== undefined) out[key] = value;
  }
  return out as SessionSummary;
}
