import { closeSync, existsSync, fsyncSync, openSync, writeSync } from "node:fs";
import type { Clock } from "../clock.js";
import { describeValue, isSessionKitError, SessionKitError } from "../errors.js";
import { type SessionStatus, type SessionSummary, TERMINAL_STATUSES } from "../model.js";
import type { SessionStore } from "../store.js";
import { canonicalExportLine, EXPORT_FORMAT, EXPORT_FORMAT_VERSION } from "../transfer.js";
import { listAll } from "./queries.js";
import type { HeldLease } from "./retention-lease.js";
import { COMPONENT } from "./schemas.js";

/** One declarative retention rule: which sessions, and what becomes of them. */
export interface RetentionPolicy {
  when: {
    /**
     * Default: the terminal statuses (any status with `expired`). Active and paused sessions are
     * touched only when named here.
     */
    status?: SessionStatus | SessionStatus[];
    mode?: string;
    /** Age of the last change: "7d", "12h", "30m", "45s" or milliseconds. Required unless `expired`. */
    olderThan?: string | number;
    /**
     * Matches the sessions whose own `expiresAt` has passed. Without such a policy an expired
     * session is deleted after every policy had its turn (its expiresAt asked for it).
     */
    expired?: true;
  };
  /** "archive" appends the session and its history to `archivePath` (JSON Lines, the export format) before deleting. */
  action: "delete" | "archive";
  /** The JSON Lines file archived sessions are appended to (required for "archive"). */
  archivePath?: string;
}

/** What applyRetention did (or, on a dry run, would do). */
export interface RetentionResult {
  dryRun: boolean;
  /** Sessions removed (deleted or archived then deleted), sorted. */
  removed: string[];
  /** Of those, the archived ones, sorted. */
  archived: string[];
  /** Matching sessions kept because of a legal hold, sorted. */
  held: string[];
  /** Matching sessions kept because they changed while the run looked at them (a real run only). */
  changed: string[];
  /** JSON bytes of the removed sessions and their histories (the export form). */
  bytes: number;
}

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** "7d" → ms; ERR_INVALID_INPUT for anything else. */
export function parseAge(value: string | number): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  const match = typeof value === "string" ? /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(value) : null;
  if (!match) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[${COMPONENT}] Expected \`olderThan\` of a retention policy to be an age like "7d", "12h", "30m" or milliseconds, got ${describeValue(value)}. Fix the policy.`,
      { details: { field: "olderThan" } },
    );
  }
  return Number(match[1]) * UNITS[match[2]!]!;
}

/**
 * Applies the policies, first match wins per session. The dry run reports exactly what the real
 * run removes on the same data and clock: both list the same candidates and skip the same held
 * sessions. The real run removes each session on its own, conditioned on the version it read (a
 * session changed meanwhile is kept and reported), so a writer is never held up for more than one
 * delete, and a run killed half-way leaves a consistent store: run it again to finish.
 */
export async function applyRetention(
  store: SessionStore,
  clock: Clock,
  policies: readonly RetentionPolicy[],
  dryRun: boolean,
  lease?: HeldLease,
): Promise<RetentionResult> {
  const result: RetentionResult = { dryRun, removed: [], archived: [], held: [], changed: [], bytes: 0 };
  const seen = new Set<string>();
  const nowMs = clock.now();
  const nowIso = new Date(nowMs).toISOString();
  // No store filter holds expiresAt: one walk of the list finds the expired sessions, if asked.
  let everything: SessionSummary[] | undefined;
  const expiredOnes = async () => {
    everything ??= (await listAll(store, {})).filter(
      (s) => s.expiresAt !== undefined && s.expiresAt <= nowIso,
    );
    return everything;
  };
  const rules: RetentionPolicy[] = [...policies, { when: { expired: true }, action: "delete" }];
  for (const policy of rules) {
    if (policy.action === "archive" && !policy.archivePath) {
      throw new SessionKitError(
        "ERR_INVALID_INPUT",
        `[${COMPONENT}] Expected \`archivePath\` on a retention policy whose action is "archive", got none. Name the JSON Lines file to append to.`,
        { details: { field: "archivePath" } },
      );
    }
    const candidates = await candidatesOf(store, policy, nowMs, expiredOnes);
    for (const summary of candidates) {
      if (seen.has(summary.id)) continue;
      seen.add(summary.id);
      const full = await store.getWithHistory(summary.id).catch(() => null);
      if (full === null) continue;
      if (full.hold !== undefined) {
        result.held.push(full.id);
        continue;
      }
      const { history, ...session } = full;
      const line = canonicalExportLine({ session, events: history });
      if (!dryRun) {
        await lease?.refresh();
        if (policy.action === "archive") appendArchive(policy.archivePath!, line, store.name, nowMs);
        try {
          await store.delete(full.id, { expectedVersion: full.version });
        } catch (error) {
          if (
            isSessionKitError(error, "ERR_VERSION_CONFLICT") ||
            isSessionKitError(error, "ERR_SESSION_HELD")
          ) {
            result.changed.push(full.id);
            continue;
          }
          throw error;
        }
      }
      result.removed.push(full.id);
      if (policy.action === "archive") result.archived.push(full.id);
      result.bytes += Buffer.byteLength(line, "utf8");
    }
  }
  for (const list of [result.removed, result.archived, result.held, result.changed]) list.sort();
  return result;
}

/** The summaries a policy matches (in the list order), before holds and races are looked at. */
async function candidatesOf(
  store: SessionStore,
  policy: RetentionPolicy,
  nowMs: number,
  expiredOnes: () => Promise<SessionSummary[]>,
): Promise<SessionSummary[]> {
  const { when } = policy;
  const updatedBefore =
    when.olderThan === undefined ? undefined : new Date(nowMs - parseAge(when.olderThan) - 1).toISOString();
  if (when.expired) {
    const statuses = when.status === undefined ? undefined : [when.status].flat();
    return (await expiredOnes()).filter(
      (s) =>
        (statuses === undefined || statuses.includes(s.status)) &&
        (when.mode === undefined || s.mode === when.mode) &&
        (updatedBefore === undefined || s.updatedAt <= updatedBefore),
    );
  }
  if (updatedBefore === undefined) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[${COMPONENT}] Expected \`olderThan\` on a retention policy without \`expired: true\`, got none. Give an age like "7d".`,
      { details: { field: "olderThan" } },
    );
  }
  return listAll(store, {
    status: when.status ?? [...TERMINAL_STATUSES],
    ...(when.mode === undefined ? {} : { mode: when.mode }),
    updatedBefore,
  });
}

/** Appends one export line (after a header when the file is new) and fsyncs it before the delete. */
function appendArchive(path: string, line: string, source: string, nowMs: number): void {
  const header = existsSync(path)
    ? ""
    : `${JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_FORMAT_VERSION, exportedAt: new Date(nowMs).toISOString(), source })}\n`;
  const fd = openSync(path, "a");
  try {
    writeSync(fd, `${header}${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
