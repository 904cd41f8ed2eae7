import type { Session } from "../model.js";
import { ownerLive } from "./ownership.js";
import { ownerProcessGone } from "./process-identity.js";
import { parse, resumeOptionsSchema } from "./schemas.js";
import { decide } from "./transitions.js";
import type { ResumeOptions } from "./types.js";

/**
 * Progress against the iteration budget: `iterations / maxIterations × 100`, capped at 100 unless
 * `{ capped: false }`. The seed did not cap (150 was seen: it kept counting past the budget); the
 * manager never lets `iterations` pass `maxIterations`, so the two differ only on records the seed
 * wrote. Pass `capped: false` to show the seed's number.
 */
export function sessionProgress(
  session: Pick<Session, "iterations" | "maxIterations">,
  options: { capped?: boolean } = {},
): number {
  const progress = (session.iterations / session.maxIterations) * 100;
  return options.capped === false ? progress : Math.min(100, progress);
}

/**
 * Milliseconds from `createdAt` to `endedAt`, or to `nowMs` while the session has not ended
 * (never negative). The seed measured `updatedAt − createdAt`: for a running session that is the
 * time to its last change, not to now, and for a finished one it grows whenever a late event (a
 * tool call recorded after completion) is appended, so the two differ in both cases.
 */
export function sessionDuration(session: Pick<Session, "createdAt" | "endedAt">, nowMs: number): number {
  const end = session.endedAt === undefined ? nowMs : Date.parse(session.endedAt);
  return Math.max(0, end - Date.parse(session.createdAt));
}

/** Options of isSessionResumable. */
export interface ResumableOptions extends ResumeOptions {
  /** The instant to decide at (deadlines), in epoch ms. */
  nowMs: number;
  /** The owner id of the caller; an active session owned by someone else is not resumable by it. */
  owner?: string;
}

/**
 * True exactly when `resume` would succeed now with these options: an active or paused session
 * unless a live owner other than `owner` holds it (lease running, and on this host its process
 * alive), and a timed-out one only when the options raise its budget or deadline. The same decision function as
 * `manager.resume`, not committed, so the two cannot disagree. (The seed said true for active and
 * paused, and its resume then refused active sessions.)
 */
export function isSessionResumable(session: Session, options: ResumableOptions): boolean {
  const { nowMs, owner, ...resume } = options;
  const parsed = parse(resumeOptionsSchema, resume, "options");
  const actor = { ownerGone: ownerProcessGone, ...(owner === undefined ? {} : { owner }) };
  return decide(session, { kind: "resume", ...parsed }, nowMs, actor).error === undefined;
}

/** Why a session is stuck: its owner's lease ran out, or (same host) the owner's process is gone. */
export type StuckReason = "lease_expired" | "owner_gone";

/**
 * Why an active, owned session has no live owner at `nowMs` (the sweeper's rule: it would mark the
 * session crashed), or null when it is not stuck. Reads only status, owner and leaseUntil, which a
 * SessionSummary carries, so a listed page is flagged without reading each record.
 */
export function stuckReason(
  session: Pick<Session, "status" | "owner" | "leaseUntil">,
  nowMs: number,
): StuckReason | null {
  if (session.status !== "active" || session.owner === undefined) return null;
  if (ownerLive(session, nowMs, { ownerGone: ownerProcessGone })) return null;
  return ownerLive(session, nowMs, {}) ? "owner_gone" : "lease_expired";
}
