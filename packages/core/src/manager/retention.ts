import type { Clock } from "../clock.js";
import { describeValue, SessionKitError } from "../errors.js";
import { DELETE_BATCH_SIZE } from "../hold-guard.js";
import {
  type Session,
  type SessionEvent,
  type SessionStatus,
  type SessionSummary,
  TERMINAL_STATUSES,
} from "../model.js";
import type { SessionStore } from "../store.js";
import { canonicalExportLine } from "../transfer.js";
import { listAll } from "./queries.js";
import { createArchiver } from "./retention-archive.js";
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
 * Sessions per deleteMany (one write transaction on SQLite and PostgreSQL): what a writer in
 * another process may wait for. 500 held a SQLite writer up to 150 ms at load 9 on 2 cores (a
 * set-wise delete of 500 sessions / 5,000 events, then its incremental vacuum); reads stay in
 * chunks of 500 (they hold no lock), deletes go by 100.
 */
const DELETE_TX_SIZE = 100;

/** One session a policy picked, read and ready to go (its export line is what the archive gets). */
interface Pick {
  id: string;
  version: number;
  policy: RetentionPolicy;
  /** The canonical export line, for an archiving policy only. */
  line: string | undefined;
  bytes: number;
}

/**
 * UTF-8 bytes of the session's canonical export line, without writing it: canonical JSON only
 * reorders members (and writes every scalar as JSON.stringify does), so JSON.stringify's text has
 * the same length, at native speed. The canonical writer was a third of retention's CPU.
 */
function exportBytes(session: Session, events: readonly SessionEvent[]): number {
  let bytes = Buffer.byteLength(JSON.stringify(session), "utf8") + 24; // {"session":…,"events":[…]}
  for (const event of events) bytes += Buffer.byteLength(JSON.stringify(event), "utf8");
  return bytes + Math.max(0, events.length - 1);
}

/**
 * Applies the policies, first match wins per session. The dry run reports exactly what the real
 * run removes on the same data and clock: both list the same candidates and skip the same held
 * sessions. The real run works in chunks of DELETE_BATCH_SIZE: it reads a chunk in one batch
 * (no lock held), archives what it archives (one fsync per chunk, see createArchiver), then
 * deletes it by DELETE_TX_SIZE per deleteMany (one transaction each on SQLite and PostgreSQL),
 * each session conditioned on the version it read (a session changed meanwhile is kept and
 * reported). A writer waits for at most one such transaction, and a run killed half-way leaves
 * whole transactions done: run it again and it removes exactly the rest, archiving none twice.
 */
export async function applyRetention(
  store: SessionStore,
  clock: Clock,
  policies: readonly RetentionPolicy[],
  dryRun: boolean,
  lease?: HeldLease,
): Promise<RetentionResult> {
  const result: RetentionResult = { dryRun, removed: [], archived: [], held: [], changed: [], bytes: 0 };
  const nowMs = clock.now();
  const rules: RetentionPolicy[] = [...policies, { when: { expired: true }, action: "delete" }];
  for (const policy of rules) {
    if (policy.action === "archive" && !policy.archivePath) {
      throw new SessionKitError(
        "ERR_INVALID_INPUT",
        `[${COMPONENT}] Expected \`archivePath\` on a retention policy whose action is "archive", got none. Name the JSON Lines file to append to.`,
        { details: { field: "archivePath" } },
      );
    }
  }
  const picked = await pickCandidates(store, rules, nowMs);
  const archiver = createArchiver(store.name, nowMs);
  const count = (pick: Pick) => {
    result.removed.push(pick.id);
    if (pick.policy.action === "archive") result.archived.push(pick.id);
    result.bytes += pick.bytes;
  };
  for (let start = 0; start < picked.length; start += DELETE_BATCH_SIZE) {
    const ready: Pick[] = [];
    const chunk = picked.slice(start, start + DELETE_BATCH_SIZE);
    // One read for the chunk; a damaged record is left for an operator (list reports it).
    const { sessions } = await store.getManyWithHistory(chunk.map(({ id }) => id));
    chunk.forEach(({ id, policy }, k) => {
      const full = sessions[k];
      if (!full) return;
      if (full.hold !== undefined) {
        result.held.push(full.id);
        return;
      }
      const { history, ...session } = full;
      ready.push({
        id,
        version: full.version,
        policy,
        line: policy.action === "archive" ? canonicalExportLine({ session, events: history }) : undefined,
        bytes: exportBytes(session, history),
      });
    });
    if (dryRun) {
      ready.forEach(count);
      continue;
    }
    await lease?.refresh();
    archiver.append(
      ready.flatMap((pick) =>
        pick.policy.action === "archive" ? [{ path: pick.policy.archivePath!, line: pick.line! }] : [],
      ),
    );
    for (let from = 0; from < ready.length; from += DELETE_TX_SIZE) {
      if (from > 0) await lease?.refresh();
      const slice = ready.slice(from, from + DELETE_TX_SIZE);
      const outcomes = await store.deleteMany(
        slice.map(({ id, version }) => ({ id, expectedVersion: version })),
      );
      outcomes.forEach((outcome, k) => {
        if (outcome === "deleted") count(slice[k]!);
        else if (outcome !== "absent") result.changed.push(slice[k]!.id);
      });
    }
  }
  for (const list of [result.removed, result.archived, result.held, result.changed]) list.sort();
  return result;
}

/**
 * Every session some policy matches, once, with the first policy that matched it, in list order.
 * One walk of the whole store, matched here: the expired rule needs that walk anyway (no store
 * filter holds expiresAt), and a filtered list was worse than redundant on SQLite, where a status
 * + updated filter is served by the status index and re-sorted for every page of 1,000 (the
 * candidates of 100,000 sessions took about as long as deleting them).
 */
async function pickCandidates(
  store: SessionStore,
  rules: readonly RetentionPolicy[],
  nowMs: number,
): Promise<Array<{ id: string; policy: RetentionPolicy }>> {
  const nowIso = new Date(nowMs).toISOString();
  const matchers = rules.map((policy) => ({ policy, matches: matcherOf(policy, nowMs, nowIso) }));
  const picked: Array<{ id: string; policy: RetentionPolicy }> = [];
  for (const summary of await listAll(store, {})) {
    const first = matchers.find(({ matches }) => matches(summary));
    if (first) picked.push({ id: summary.id, policy: first.policy });
  }
  return picked;
}

/** Whether a summary is a policy's, before holds and races are looked at. */
function matcherOf(policy: RetentionPolicy, nowMs: number, nowIso: string): (s: SessionSummary) => boolean {
  const { when } = policy;
  const updatedBefore =
    when.olderThan === undefined ? undefined : new Date(nowMs - parseAge(when.olderThan) - 1).toISOString();
  if (!when.expired && updatedBefore === undefined) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[${COMPONENT}] Expected \`olderThan\` on a retention policy without \`expired: true\`, got none. Give an age like "7d".`,
      { details: { field: "olderThan" } },
    );
  }
  // Without `status`, the terminal statuses; an expired rule without it takes any status.
  const statuses =
    when.status !== undefined ? [when.status].flat() : when.expired ? undefined : [...TERMINAL_STATUSES];
  return (s) =>
    (!when.expired || (s.expiresAt !== undefined && s.expiresAt <= nowIso)) &&
    (statuses === undefined || statuses.includes(s.status)) &&
    (when.mode === undefined || s.mode === when.mode) &&
    (updatedBefore === undefined || s.updatedAt <= updatedBefore);
}
