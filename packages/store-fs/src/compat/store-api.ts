import {
  type SessionSummary as CoreSummary,
  EVENT_TYPE_PATTERN,
  isSessionKitError,
  isTerminalStatus,
  isValidSessionId,
  type NewEvent,
  type Session,
  SessionKitError,
  type SessionPatch,
  type SyncSessionStore,
} from "@sessionkit/core";
import { describeValue } from "@sessionkit/core/driver";
import { parseSeedFilter, stripPauseView, takeSeedPause, toAgentSession, toSeedSummary } from "./convert.js";
import { COMPONENT, nowIso, nowMs, syncStore } from "./state.js";
import type {
  AgentSession,
  CreateSessionOptions,
  SessionFilter,
  SessionStats,
  SessionSummary,
  UpdateSessionOptions,
} from "./types.js";

const MAX_ATTEMPTS = 50;
const PAGE = 1000;
const reportedCorrupt = new Set<string>();

/** Runs a read-decide-commit step until it lands without a version conflict. */
export function retryOnConflict<T>(step: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return step();
    } catch (error) {
      if (!isSessionKitError(error, "ERR_VERSION_CONFLICT") || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

/** The session with its history in the seed's shape, or null (invalid ids never reach the disk). */
export function readAgentSession(id: string, sync: SyncSessionStore = syncStore()): AgentSession | null {
  if (!isValidSessionId(id)) return null;
  const found = sync.getWithHistory(id);
  if (!found) return null;
  const { history, ...session } = found;
  return toAgentSession(session, history);
}

/** Creates an active session with a `start` event, synchronously (no webhook, as in the seed). */
export function createSession(options: CreateSessionOptions): AgentSession {
  const input = dropUndefined({
    task: options.task,
    mode: options.mode,
    userId: options.userId,
    channelId: options.channelId,
    workspace: options.workspace,
    maxIterations: options.maxIterations,
    context: options.context,
    metadata: options.metadata,
  });
  const start = dropUndefined({ task: options.task, mode: options.mode, workspace: options.workspace });
  const { session, events } = syncStore().create(input, { events: [{ type: "start", data: start }] });
  return toAgentSession(session, events);
}

/** The session with its history, or null if there is none (or the id is not a valid session id). Throws ERR_CORRUPT_RECORD for a damaged file. */
export function getSession(id: string): AgentSession | null {
  return readAgentSession(id);
}

/** Status bookkeeping the seed never did: endedAt on terminal statuses, pause details only while paused. */
function statusPatch(current: Session, status: Session["status"] | undefined, now: string): SessionPatch {
  if (status === undefined || status === current.status) return {};
  const patch: SessionPatch = { status };
  patch.endedAt = isTerminalStatus(status) ? now : null;
  patch.pause = status === "paused" ? { at: now } : null;
  return patch;
}

/** Changes fields of a session (context and metadata shallow-merged) and returns it, or null if missing. */
export function updateSession(id: string, update: UpdateSessionOptions): AgentSession | null {
  if (!isValidSessionId(id)) return null;
  const sync = syncStore();
  const changed = retryOnConflict(() => {
    const current = sync.get(id);
    if (!current) return false;
    const now = nowIso();
    const patch: SessionPatch = dropUndefined({
      ...statusPatch(current, update.status, now),
      iterations: update.iterations,
      result: update.result,
      error: update.error,
      context: update.context
        ? { ...current.context, ...stripPauseView(update.context, current.pause, current.context) }
        : undefined,
      metadata: update.metadata ? { ...(current.metadata ?? {}), ...update.metadata } : undefined,
    });
    sync.commit(id, { expectedVersion: current.version, patch });
    return true;
  });
  return changed ? readAgentSession(id, sync) : null;
}

/**
 * Writes a whole session object back (the seed's overwrite). State fields are last-writer-wins;
 * events in `history` without a `seq` are appended (never dropped) and get their seq. Sets
 * `session.updatedAt` on the caller's object, as the seed did.
 */
export function saveSession(session: AgentSession): void {
  if (!session || typeof session !== "object" || !isValidSessionId(session.id)) {
    throw new SessionKitError(
      "ERR_INVALID_ID",
      `[${COMPONENT}] Expected \`session.id\` to be a session id, got ${describeValue(session?.id)}. Save a session returned by getSession().`,
    );
  }
  const sync = syncStore();
  const fresh = (session.history ?? []).filter((event) => event.seq === undefined);
  const newEvents: NewEvent[] = fresh.map((event) => {
    if (typeof event.type !== "string" || !EVENT_TYPE_PATTERN.test(event.type)) {
      throw new SessionKitError(
        "ERR_INVALID_INPUT",
        `[${COMPONENT}] Expected event type to match ${EVENT_TYPE_PATTERN}, got ${describeValue(event.type)}. Use a short identifier like "custom_event".`,
      );
    }
    return { type: event.type, data: event.data ?? {} };
  });
  const result = retryOnConflict(() => {
    const current = sync.get(session.id);
    if (!current) {
      throw new SessionKitError(
        "ERR_SESSION_NOT_FOUND",
        `[${COMPONENT}] Session ${describeValue(session.id)} does not exist, so saveSession cannot overwrite it. Create it with createSession() first.`,
        { details: { id: session.id } },
      );
    }
    const now = nowIso();
    const terminal = isTerminalStatus(session.status);
    // The context the caller read may hold the pause view (pausedAt / pauseReason): not stored.
    const context = stripPauseView(session.context ?? {}, session.pause ?? current.pause, current.context);
    const pause =
      session.status !== "paused"
        ? null
        : (session.pause ?? current.pause ?? takeSeedPause(context) ?? { at: now });
    const patch: SessionPatch = {
      status: session.status,
      iterations: session.iterations,
      maxIterations: session.maxIterations,
      mode: session.mode,
      task: session.task,
      userId: session.userId ?? null,
      channelId: session.channelId ?? null,
      workspace: session.workspace ?? null,
      context,
      metadata: session.metadata ?? null,
      result: session.result ?? null,
      error: session.error ?? null,
      pause,
      endedAt: terminal ? (session.endedAt ?? current.endedAt ?? now) : null,
    };
    return sync.commit(session.id, { expectedVersion: current.version, patch, events: newEvents });
  });
  fresh.forEach((event, index) => {
    const stored = result.events[index];
    if (stored) {
      event.seq = stored.seq;
      event.timestamp = stored.timestamp;
    }
  });
  session.updatedAt = result.session.updatedAt;
  session.version = result.session.version;
  session.eventCount = result.session.eventCount;
}

function reportCorrupt(corrupt: Array<{ id: string; message: string }>): void {
  for (const entry of corrupt) {
    if (reportedCorrupt.has(entry.id)) continue;
    reportedCorrupt.add(entry.id);
    console.error(`[${COMPONENT}] Skipped corrupt session ${entry.id}: ${entry.message}`);
  }
}

/** Reads every matching summary page by page, stopping once `needed` rows are in hand. */
function collect(filter: ReturnType<typeof parseSeedFilter>["filter"], needed: number): CoreSummary[] {
  const sync = syncStore();
  const rows: CoreSummary[] = [];
  let cursor: string | null = null;
  do {
    const page = sync.list({ ...filter, limit: PAGE, cursor });
    reportCorrupt(page.corrupt);
    rows.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && rows.length < needed);
  return rows;
}

/** Summaries matching the filter, newest first (ties by id), with the seed's offset/limit window. */
export function listSessions(filter?: SessionFilter): SessionSummary[] {
  const parsed = parseSeedFilter(filter);
  if (!parsed.canMatch) return [];
  const end = parsed.limit === undefined ? Number.POSITIVE_INFINITY : parsed.offset + parsed.limit;
  return collect(parsed.filter, end).slice(parsed.offset, end).map(toSeedSummary);
}

/** Damaged session files met while listing (they are skipped by listSessions), by id. */
export function listCorruptSessions(): Array<{ id: string; code: string; message: string }> {
  const sync = syncStore();
  const found: Array<{ id: string; code: string; message: string }> = [];
  let cursor: string | null = null;
  do {
    const page = sync.list({ limit: PAGE, cursor });
    found.push(...page.corrupt);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return found;
}

/** Deletes a session and its history; false if it did not exist. Invalid ids (`""`, `..`) delete nothing. */
export function deleteSession(id: string): boolean {
  if (!isValidSessionId(id)) return false;
  return syncStore().delete(id);
}

/** Deletes finished sessions last changed more than `maxAgeMs` **milliseconds** ago (the seed's store.ts); returns how many. */
export function cleanupOldSessions(maxAgeMs: number): number {
  assertAge(maxAgeMs, "maxAgeMs", "milliseconds", "For days use cleanupSessions(days).");
  return pruneOlderThan(maxAgeMs);
}

/** Throws ERR_INVALID_INPUT unless `value` is a finite, non-negative number. */
export function assertAge(value: unknown, name: string, unit: string, hint: string): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[${COMPONENT}] Expected \`${name}\` to be a non-negative number of ${unit}, got ${describeValue(value)}. ${hint}`,
    );
  }
}

/** Prunes terminal sessions whose updatedAt is more than `ageMs` before now. */
export function pruneOlderThan(ageMs: number): number {
  const sync = syncStore();
  return sync.prune({ olderThan: nowMs() - ageMs }).count;
}

function zeroStats(): SessionStats {
  return {
    total: 0,
    byStatus: { active: 0, paused: 0, completed: 0, failed: 0, timeout: 0 },
    byMode: {},
    averageIterations: 0,
    successRate: 0,
  };
}

/** Statistics over the matching sessions; `limit`/`offset` still apply, as they did in the seed. */
export function getSessionStats(filter?: SessionFilter): SessionStats {
  const parsed = parseSeedFilter(filter);
  if (!parsed.canMatch) return zeroStats();
  if (parsed.limit !== undefined || parsed.offset > 0) {
    const stats = zeroStats();
    const rows = listSessions(filter);
    let iterations = 0;
    for (const row of rows) {
      stats.total += 1;
      stats.byStatus[row.status] += 1;
      stats.byMode[row.mode] = (stats.byMode[row.mode] ?? 0) + 1;
      iterations += row.iterations;
    }
    if (stats.total > 0) {
      stats.averageIterations = iterations / stats.total;
      stats.successRate = (stats.byStatus.completed / stats.total) * 100;
    }
    return stats;
  }
  const { total, byStatus, byMode, averageIterations, successRate } = syncStore().stats(parsed.filter);
  return { total, byStatus, byMode, averageIterations, successRate };
}
