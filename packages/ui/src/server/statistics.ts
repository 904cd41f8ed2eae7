import {
  isTerminalStatus,
  SESSION_STATUSES,
  type SessionFilter,
  type SessionStatus,
  type SessionStore,
  type SessionSummary,
} from "@sessionkit/core";

type StatusCounts = Record<SessionStatus, number>;

/** Per-mode sums for the iterations and cost/tokens charts. */
export interface ModeTotals {
  sessions: number;
  iterations: number;
  cost: number;
  tokens: number;
}

/** What the Statistics screen draws; every chart's data comes from here, so tests can check totals. */
export interface InspectorStatistics {
  total: number;
  byStatus: StatusCounts;
  /** UTC days (YYYY-MM-DD) from the first to the last day with a start or an end, gaps included. */
  days: string[];
  /** Sessions created on each day, by their current status. */
  startedPerDay: Record<SessionStatus, number[]>;
  /** Sessions that reached a terminal status on each day (by endedAt), by that status. */
  finishedPerDay: Record<"completed" | "failed" | "timeout", number[]>;
  /** completed / finished × 100 per day; null on a day where nothing finished. */
  successRatePerDay: Array<number | null>;
  byMode: Record<string, ModeTotals>;
  /** Event counts by type over the newest `sampledSessions` matching sessions. */
  eventTypes: Record<string, number>;
  sampledSessions: number;
}

const DAY_MS = 86_400_000;
const zeroStatuses = (): StatusCounts => ({ active: 0, paused: 0, completed: 0, failed: 0, timeout: 0 });

function numberIn(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/**
 * Walks every matching summary in pages (summaries never carry histories, so this reads no events)
 * and reads the events of the newest `eventSample` sessions for the counts by type: counting every
 * event of 100,000 sessions would read every history in the store.
 */
export async function computeStatistics(
  store: SessionStore,
  filter: SessionFilter,
  eventSample = 200,
): Promise<InspectorStatistics> {
  const byStatus = zeroStatuses();
  const byMode: Record<string, ModeTotals> = Object.create(null);
  const started = new Map<string, StatusCounts>();
  const finished = new Map<string, StatusCounts>();
  const sample: SessionSummary[] = [];
  let total = 0;
  let cursor: string | null = null;
  do {
    const page = await store.list({ ...filter, limit: 1000, cursor });
    for (const item of page.items) {
      total += 1;
      byStatus[item.status] += 1;
      const mode = byMode[item.mode] ?? { sessions: 0, iterations: 0, cost: 0, tokens: 0 };
      byMode[item.mode] = mode;
      mode.sessions += 1;
      mode.iterations += item.iterations;
      mode.cost += numberIn(item.metadata?.cost);
      mode.tokens += numberIn(item.metadata?.tokens?.total);
      const day = item.createdAt.slice(0, 10);
      const counts = started.get(day) ?? zeroStatuses();
      counts[item.status] += 1;
      started.set(day, counts);
      if (isTerminalStatus(item.status)) {
        const endDay = (item.endedAt ?? item.updatedAt).slice(0, 10);
        const ended = finished.get(endDay) ?? zeroStatuses();
        ended[item.status] += 1;
        finished.set(endDay, ended);
      }
      if (sample.length < eventSample) sample.push(item);
    }
    cursor = page.nextCursor;
  } while (cursor !== null);

  const days = daySpan([...started.keys(), ...finished.keys()]);
  const startedPerDay = Object.fromEntries(
    SESSION_STATUSES.map((status) => [status, days.map((day) => started.get(day)?.[status] ?? 0)]),
  ) as Record<SessionStatus, number[]>;
  const finishedPerDay = Object.fromEntries(
    (["completed", "failed", "timeout"] as const).map((status) => [
      status,
      days.map((day) => finished.get(day)?.[status] ?? 0),
    ]),
  ) as InspectorStatistics["finishedPerDay"];
  const successRatePerDay = days.map((day) => {
    const counts = finished.get(day);
    const ended = counts ? counts.completed + counts.failed + counts.timeout : 0;
    return ended === 0 ? null : (counts!.completed / ended) * 100;
  });

  const eventTypes: Record<string, number> = Object.create(null);
  for (const item of sample) {
    for (let from = 1; from <= item.eventCount; from += 1000) {
      const events = await store.readEvents(item.id, { fromSeq: from, limit: 1000 });
      for (const event of events) eventTypes[event.type] = (eventTypes[event.type] ?? 0) + 1;
      if (events.length < 1000) break;
    }
  }
  return {
    total,
    byStatus,
    days,
    startedPerDay,
    finishedPerDay,
    successRatePerDay,
    byMode: { ...byMode },
    eventTypes: { ...eventTypes },
    sampledSessions: sample.length,
  };
}

function daySpan(keys: string[]): string[] {
  if (keys.length === 0) return [];
  const sorted = [...new Set(keys)].sort();
  const first = Date.parse(`${sorted[0]}T00:00:00.000Z`);
  const last = Date.parse(`${sorted[sorted.length - 1]}T00:00:00.000Z`);
  // A store spanning years would draw thousands of bars; past ~2 years show only the days with data.
  if ((last - first) / DAY_MS > 730) return sorted;
  const days: string[] = [];
  for (let at = first; at <= last; at += DAY_MS) days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}
