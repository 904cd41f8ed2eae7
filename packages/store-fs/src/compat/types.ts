import type { PauseInfo, SessionMetadata } from "@sessionkit/core";

/** The five statuses (same as the seed). */
export type SessionStatus = "active" | "paused" | "completed" | "failed" | "timeout";

/** The seed's event types; custom types (`"custom_event"`) are accepted too, as the seed README uses one. */
export type SessionEventType =
  | "start"
  | "iteration"
  | "tool_call"
  | "learning"
  | "pause"
  | "resume"
  | "complete"
  | "error"
  | "timeout";

/** One history entry, as the seed returned it, plus its `seq` (1-based, contiguous). */
export interface SessionEvent {
  /** Position in the history; new with sessionkit, absent on events you build yourself. */
  seq?: number;
  timestamp: string;
  type: SessionEventType | (string & {});
  data: Record<string, unknown>;
}

/** The seed's `AgentSession`, plus sessionkit's version fields (`version`, `eventCount`, `endedAt`, `pause`). */
export interface AgentSession {
  id: string;
  userId?: string;
  channelId?: string;
  mode: string;
  task: string;
  workspace?: string;
  status: SessionStatus;
  createdAt: string;
  updatedAt: string;
  iterations: number;
  maxIterations: number;
  context: Record<string, unknown>;
  history: SessionEvent[];
  result?: string;
  error?: string;
  metadata?: SessionMetadata;
  /** When the session reached a terminal status. */
  endedAt?: string;
  /** Why and when it was paused (the seed kept these in `context.pausedAt` / `context.pauseReason`). */
  pause?: PauseInfo;
  /** Grows by one with every committed change. */
  version?: number;
  /** Number of events in the history. */
  eventCount?: number;
}

/** Options of `createSession` / the third argument of `startSession` (plus task and mode). */
export interface CreateSessionOptions {
  task: string;
  mode: string;
  userId?: string;
  channelId?: string;
  workspace?: string;
  /** Default 100; must be at least 1 (the seed turned 0 into 100). */
  maxIterations?: number;
  context?: Record<string, unknown>;
  metadata?: SessionMetadata;
}

/** Fields `updateSession` changes; `context` and `metadata` are shallow-merged. */
export interface UpdateSessionOptions {
  status?: SessionStatus;
  iterations?: number;
  context?: Record<string, unknown>;
  result?: string;
  error?: string;
  metadata?: SessionMetadata;
}

/** The seed's list filter. Empty strings mean "no filter", as in the seed. */
export interface SessionFilter {
  userId?: string;
  channelId?: string;
  mode?: string;
  /** One status or several; an empty array matches nothing. */
  status?: SessionStatus | SessionStatus[];
  /** Inclusive bound, any ISO-8601 instant. */
  createdAfter?: string;
  /** Inclusive bound, any ISO-8601 instant. */
  createdBefore?: string;
  /** At most this many (0 now means none; the seed treated 0 as "all"). */
  limit?: number;
  /** Skip this many first. */
  offset?: number;
}

/** A listed session without history or context (the seed's fields, plus endedAt/version/eventCount when known). */
export interface SessionSummary {
  id: string;
  mode: string;
  status: SessionStatus;
  task: string;
  userId?: string;
  channelId?: string;
  createdAt: string;
  updatedAt: string;
  iterations: number;
  maxIterations: number;
  workspace?: string;
  endedAt?: string;
  metadata?: SessionMetadata;
  version?: number;
  eventCount?: number;
}

/** The seed's statistics shape. */
export interface SessionStats {
  total: number;
  byStatus: Record<SessionStatus, number>;
  byMode: Record<string, number>;
  averageIterations: number;
  /** Percentage of completed sessions among all matched, not rounded. */
  successRate: number;
}

/** What `getSessionContext` returns. */
export interface SessionContext {
  sessionId: string;
  task: string;
  mode: string;
  workspace?: string;
  iterations: number;
  maxIterations: number;
  context: Record<string, unknown>;
  /** The last 10 events, oldest first. */
  recentHistory: SessionEvent[];
  status: SessionStatus;
}

/** The seed's webhook payload description (sessionkit's manager sends its own signed envelope). */
export interface SessionWebhookPayload {
  event: "start" | "pause" | "resume" | "complete" | "error" | "timeout";
  session: {
    id: string;
    mode: string;
    status: string;
    task: string;
    userId?: string;
    channelId?: string;
  };
  timestamp: string;
  data?: Record<string, unknown>;
}

/** Options of `configure`. */
export interface CompatConfig {
  /** Directory holding `<id>/session.json` (default `./sessions`, resolved against the working directory). */
  dir?: string;
  /** Webhook URL for lifecycle notifications (default: none). */
  webhookUrl?: string | null;
}
