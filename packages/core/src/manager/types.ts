import type { Dispatcher } from "undici";
import type { Clock } from "../clock.js";
import type { JsonObject } from "../json.js";
import type {
  AgentSession,
  InputAction,
  InputAnswer,
  LegalHold,
  Session,
  SessionEvent,
  SessionStatus,
  SessionSummary,
} from "../model.js";
import type {
  InboxPage,
  InboxQuery,
  ListQuery,
  PruneResult,
  SessionFilter,
  SessionPage,
  SessionStats,
  SessionStore,
  SyncSessionStore,
  WatchItem,
  WatchOptions,
  WatchScope,
} from "../store.js";
import type { ExportSessionsOptions, ImportSessionsOptions, TransferProgress } from "../transfer.js";
import type { WebhookDelivery } from "../webhooks/dispatcher.js";
import type { WebhookConfig } from "../webhooks/options.js";
import type { SessionNotification } from "../webhooks/payload.js";
import type { CallOptions, InputRequestInput } from "./operations.js";
import type { OwnershipOptions } from "./ownership-options.js";
import type { RetentionPolicy, RetentionResult } from "./retention.js";
import type { SweepOptions, SweepResult } from "./sweeper.js";
import type { IterationUsage, Operation } from "./transitions.js";

export type {
  CallOptions,
  InputRequestInput,
  OwnershipOptions,
  RetentionPolicy,
  RetentionResult,
  SweepOptions,
  SweepResult,
};

/** Options of createSessionManager. */
export interface SessionManagerOptions {
  /** Where sessions live. The manager never closes it: whoever opened the store closes it. */
  store: SessionStore;
  /** Time for deadlines, pause durations and endedAt (default: the store's clock). */
  clock?: Clock;
  /** Webhook targets notified after each commit (default: none). */
  webhooks?: WebhookConfig | WebhookConfig[];
  /**
   * The undici Dispatcher webhooks are sent through (a ProxyAgent, custom TLS or DNS). Default:
   * the manager's own Agent, destroyed by close(). One you pass is never closed by the manager.
   */
  webhookDispatcher?: Dispatcher;
  /** Re-reads after a version conflict before giving up with ERR_STORE_BUSY (default 50). */
  maxCommitRetries?: number;
  /** Events in getContext().recentHistory (default 10). */
  recentHistorySize?: number;
  /** Called when an in-process listener throws or rejects (default: console.error). */
  onListenerError?: (error: unknown, eventName: string) => void;
  /**
   * Ownership (default off): `true` or options make start() claim each new session for this
   * manager, with a lease its heartbeats extend. Off, the manager still claims on `claim()`, and
   * sessions nobody claimed work exactly as without ownership. See the README's ownership model.
   */
  ownership?: boolean | OwnershipOptions;
  /** Retention policies applyRetention() applies (default none); see RetentionPolicy. */
  retention?: RetentionPolicy[];
}

/** Input of start(). */
export interface StartSessionInput {
  /** Default: a new `session_…` id. */
  id?: string;
  task: string;
  mode: string;
  userId?: string;
  channelId?: string;
  workspace?: string;
  /** Iteration budget, at least 1 (default 100). The increment that reaches it times the session out. */
  maxIterations?: number;
  /** Wall-clock deadline (default none); give this or timeoutMs. */
  deadlineAt?: string | number | Date;
  /** Deadline relative to now, in ms. */
  timeoutMs?: number;
  /** When retention removes the session, whatever its status (default never; see setExpiry). */
  expiresAt?: string | number | Date;
  /** Default {}. Copied. */
  context?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** Options of resume(). */
export interface ResumeOptions {
  /** Adds to maxIterations (e.g. to resume a session that timed out on its budget). */
  extendIterations?: number;
  /** Sets maxIterations (before extendIterations is added). */
  maxIterations?: number;
  /** A new deadline, or null to remove it. */
  deadlineAt?: string | number | Date | null;
}

/** Options of incrementIteration(). */
export interface IterationOptions {
  /** Usage accumulated into metadata (tokens, cost, model, toolsUsed) and recorded as the event's `usage`. */
  usage?: IterationUsage;
}

/** What an agent needs to continue a session (the seed's getSessionContext, plus progress). */
export interface SessionContext {
  sessionId: string;
  task: string;
  mode: string;
  workspace?: string;
  iterations: number;
  maxIterations: number;
  /** `sessionProgress(session)`: iterations / maxIterations × 100, capped at 100. */
  progress: number;
  context: JsonObject;
  /** The last `recentHistorySize` events, oldest first. */
  recentHistory: SessionEvent[];
  status: SessionStatus;
}

/** Input of cleanup(). */
export interface CleanupOptions {
  /** Age in days of the last change (default 30); ignored when olderThan is given. */
  maxAgeDays?: number;
  /** Removes sessions last changed strictly before this instant. */
  olderThan?: string | number | Date;
  /** Default: completed, failed, timeout. */
  statuses?: SessionStatus[];
  /** Report without deleting (default false). */
  dryRun?: boolean;
}

/** A find() query: a list query plus an optional offset (walks the pages before it). */
export interface FindQuery extends ListQuery {
  offset?: number;
}

/** Events the manager emits besides history events. */
export interface ManagerEventMap {
  "webhook.delivered": WebhookDelivery;
  "webhook.failed": WebhookDelivery;
  /** A claim of this manager was taken over (its writes to the session now fail with ERR_LEASE_LOST). */
  "lease.lost": { id: string; error: unknown };
  /** A background sweep (startSweeper) failed; the next one runs as scheduled. */
  "sweep.failed": { error: unknown };
}

/** Options of claim(). */
export interface ClaimOptions {
  /** Claim as this owner id (default: the manager's ownerId). */
  owner?: string;
  /** Lease length in ms (default: the manager's, 15000). */
  leaseMs?: number;
  /** Makes the claim idempotent, as for every mutating call (see CallOptions.operationId). */
  operationId?: string;
}

/** The lifecycle API: every mutation is read-decide-commit with optimistic-concurrency retry. */
export interface SessionManager {
  readonly store: SessionStore;
  start(input: StartSessionInput): Promise<Session>;
  pause(id: string, reason?: string, call?: CallOptions): Promise<Session>;
  resume(id: string, options?: ResumeOptions, call?: CallOptions): Promise<Session>;
  complete(id: string, result?: string, call?: CallOptions): Promise<Session>;
  fail(id: string, error: string | Error, call?: CallOptions): Promise<Session>;
  incrementIteration(
    id: string,
    data?: Record<string, unknown>,
    options?: IterationOptions,
    call?: CallOptions,
  ): Promise<Session>;
  recordToolCall(
    id: string,
    tool: string,
    args?: unknown,
    result?: unknown,
    call?: CallOptions,
  ): Promise<Session>;
  recordLearning(id: string, insight: string, expertiseFile?: string, call?: CallOptions): Promise<Session>;
  addEvent(id: string, type: string, data?: Record<string, unknown>, call?: CallOptions): Promise<Session>;
  updateContext(id: string, partial: Record<string, unknown>, call?: CallOptions): Promise<Session>;
  /**
   * Asks people for input: the request is stored with the session, which becomes `paused`
   * (`pause.reason: "awaiting_input"`) if it was running, with an `input_requested` event, in one
   * commit. Asking again under the same requestId is a retry (no change).
   */
  requestInput(id: string, request: InputRequestInput, call?: CallOptions): Promise<Session>;
  /**
   * Resolves an open request, exactly once: the first response commits an `input_received`
   * event (and makes the session `active` once no request is open and it was paused for input,
   * unless `keepPaused`); every later response to it returns that first answer and changes
   * nothing. ERR_INPUT_NOT_FOUND / ERR_INPUT_EXPIRED for unknown or expired requests.
   */
  respond(
    id: string,
    requestId: string,
    response: { action: InputAction; value?: unknown },
    options?: { by?: string; keepPaused?: boolean; operationId?: string },
  ): Promise<RespondResult>;
  /** Sessions waiting for input across the store (see SessionStore.listAwaitingInput). */
  listAwaitingInput(query?: InboxQuery): Promise<InboxPage>;
  /** Puts a legal hold on the session: no delete path removes it until unhold (a `hold` event). */
  hold(id: string, hold: { reason: string; by?: string }, call?: CallOptions): Promise<Session>;
  /** Releases the legal hold (an `unhold` event); a no-op without one. */
  unhold(id: string, by?: string, call?: CallOptions): Promise<Session>;
  /**
   * Sets (or with null clears) the instant after which applyRetention removes the session, in any
   * status; a legal hold still wins. An `expiry` event; a no-op when it is already so.
   */
  setExpiry(id: string, expiresAt: string | number | Date | null, call?: CallOptions): Promise<Session>;
  /**
   * Applies the retention policies (the manager's, or `policies`): a dry run reports exactly what
   * the real run removes; held sessions are never removed. A real run holds the store's retention
   * lease (one run at a time across processes): another run's gets ERR_RETENTION_BUSY naming the
   * holder, after waiting up to `waitMs` (default 0) for it to finish. `leaseMs` (default
   * DEFAULT_RETENTION_LEASE_MS, 30 s): how long the lease lasts without a renewal, so how soon
   * another runner may take over from a run that stopped (a SIGSTOP, a stalled host).
   */
  applyRetention(options?: {
    dryRun?: boolean;
    policies?: RetentionPolicy[];
    waitMs?: number;
    leaseMs?: number;
  }): Promise<RetentionResult>;
  /** Every held session with its hold, in the list order (reads each session: O(sessions)). */
  listHolds(): Promise<Array<{ session: SessionSummary; hold: LegalHold }>>;
  /**
   * Takes ownership of an unowned, expired or dead-owner session (ERR_SESSION_BUSY naming a live
   * owner): a new generation, a lease, a `claim` event; heartbeats every leaseMs/3 until release,
   * close or loss (ERR_LEASE_LOST on the next write).
   */
  claim(id: string, options?: ClaimOptions): Promise<Session>;
  /**
   * Gives up this manager's claim on the session (a `release` event); a no-op without one.
   * `operationId` makes it idempotent, as for every mutating call.
   */
  release(id: string, options?: { operationId?: string }): Promise<Session>;
  /** The owner id this manager claims as. */
  readonly ownerId: string;
  /** The store's live change feed (`store.watch`): sees every process's commits, resumable by cursor. */
  watch(scope: WatchScope, options?: WatchOptions): AsyncIterable<WatchItem>;
  /** One sweep: marks crashed every active session whose lease expired or whose same-host owner died. */
  sweep(options?: SweepOptions): Promise<SweepResult>;
  /** Sweeps every `intervalMs` (timer unref'd) until the returned stop function or close(). */
  startSweeper(options: SweepOptions & { intervalMs: number }): () => void;
  getContext(id: string): Promise<SessionContext | null>;
  isResumable(id: string, options?: ResumeOptions): Promise<boolean>;
  get(id: string): Promise<Session | null>;
  getWithHistory(id: string): Promise<AgentSession | null>;
  active(filter?: SessionFilter): Promise<SessionSummary[]>;
  paused(filter?: SessionFilter): Promise<SessionSummary[]>;
  completed(filter?: SessionFilter): Promise<SessionSummary[]>;
  failed(filter?: SessionFilter): Promise<SessionSummary[]>;
  timedOut(filter?: SessionFilter): Promise<SessionSummary[]>;
  find(query?: FindQuery): Promise<SessionPage>;
  stats(filter?: SessionFilter): Promise<SessionStats>;
  cleanup(options?: CleanupOptions): Promise<PruneResult>;
  /**
   * Deletes the session and its history (false when there was none). With `operationId`: true
   * once the session is gone, so a replay answers as the first call did (see the README).
   */
  delete(id: string, options?: { operationId?: string }): Promise<boolean>;
  duration(id: string): Promise<number | null>;
  progress(id: string): Promise<number | null>;
  exportSessions(options?: ExportSessionsOptions): AsyncGenerator<string>;
  importSessions(
    lines: AsyncIterable<string> | Iterable<string>,
    options?: ImportSessionsOptions,
  ): Promise<TransferProgress>;
  on<K extends keyof ManagerEventMap>(
    event: K,
    listener: (payload: ManagerEventMap[K]) => unknown,
  ): () => void;
  on(event: string, listener: (notification: SessionNotification) => unknown): () => void;
  /**
   * The synchronous face of this manager over `store.sync()` (embedded stores only; else
   * ERR_UNSUPPORTED_CAPABILITY): the same decisions, loop and notifications as the async calls.
   */
  sync(): SyncSessionManager;
  close(options?: { timeoutMs?: number }): Promise<{ undelivered: WebhookDelivery[] }>;
}

/**
 * The manager's mutating calls, synchronous: one read-decide-commit loop with the async face, and
 * the same webhooks and listener events after each commit (the seed drop-in uses it).
 */
export interface SyncSessionManager {
  readonly store: SyncSessionStore;
  /** Decides and commits one already-built operation (see `Operation`). */
  apply(id: string, operation: Operation): Session;
  start(input: StartSessionInput): Session;
  pause(id: string, reason?: string, call?: CallOptions): Session;
  resume(id: string, options?: ResumeOptions, call?: CallOptions): Session;
  complete(id: string, result?: string, call?: CallOptions): Session;
  fail(id: string, error: string | Error, call?: CallOptions): Session;
  incrementIteration(
    id: string,
    data?: Record<string, unknown>,
    options?: IterationOptions,
    call?: CallOptions,
  ): Session;
  recordToolCall(id: string, tool: string, args?: unknown, result?: unknown, call?: CallOptions): Session;
  recordLearning(id: string, insight: string, expertiseFile?: string, call?: CallOptions): Session;
  addEvent(id: string, type: string, data?: Record<string, unknown>, call?: CallOptions): Session;
  updateContext(id: string, partial: Record<string, unknown>, call?: CallOptions): Session;
  requestInput(id: string, request: InputRequestInput, call?: CallOptions): Session;
  hold(id: string, hold: { reason: string; by?: string }, call?: CallOptions): Session;
  unhold(id: string, by?: string, call?: CallOptions): Session;
  setExpiry(id: string, expiresAt: string | number | Date | null, call?: CallOptions): Session;
}

/** What respond() resolves to: the session, the request's answer, and whether this call gave it. */
export interface RespondResult {
  session: Session;
  answer: InputAnswer;
  /** True for the call whose response resolved the request; false for every later one. */
  first: boolean;
}
