import { describeValue, SessionKitError } from "../errors.js";
import type { JsonObject } from "../json.js";
import { isTerminalStatus, type Session, type SessionOwner } from "../model.js";
import type { SessionPatch } from "../store.js";
import { COMPONENT } from "./schemas.js";

/** What a crash leaves a session in (the sweeper's policy). */
export type CrashStatus = "paused" | "failed" | "timeout";

/** The ownership operations (decided here; the transition table lists where each is legal). */
export type OwnershipOperation =
  | { kind: "claim"; owner: Omit<SessionOwner, "generation">; leaseMs: number }
  | { kind: "heartbeat"; leaseMs: number }
  | { kind: "release" }
  | { kind: "crash"; status: CrashStatus; generation: number };

/** Who asks: the caller's owner id, the claim it holds on this session, and how to tell a dead owner. */
export interface Actor {
  /** The caller's owner id (a manager with ownership on). */
  owner?: string;
  /** The generation of the claim the caller holds on this session; every write of it is fenced by it. */
  generation?: number;
  /** The caller's operation id and request digest (idempotency). */
  operationId?: string;
  digest?: string;
  /** Start work although input requests are open (otherwise ERR_INPUT_PENDING). */
  force?: boolean;
  /** True when the owner's process is known to be gone (same host, pid and start time checked). */
  ownerGone?: (owner: SessionOwner) => boolean;
}

/** What a caller may not do while another owner's claim is live. */
const FENCED_BY_LIVE_OWNER = new Set(["claim", "resume", "release"]);

/** True while someone holds the session: an owner whose lease runs and whose process is not known dead. */
export function ownerLive(
  session: Pick<Session, "owner" | "leaseUntil">,
  nowMs: number,
  actor: Actor,
): boolean {
  const owner = session.owner;
  if (owner === undefined) return false;
  if (session.leaseUntil !== undefined && Date.parse(session.leaseUntil) <= nowMs) return false;
  return !(actor.ownerGone?.(owner) ?? false);
}

/** Why the caller may not do `kind` to the session now (a stale claim, or a live other owner); undefined when it may. */
export function fence(
  session: Session,
  kind: string,
  nowMs: number,
  actor: Actor,
): SessionKitError | undefined {
  if (kind === "crash") return undefined;
  const owner = session.owner;
  if (actor.generation !== undefined && kind !== "claim") {
    if (owner === undefined || owner.id !== actor.owner || owner.generation !== actor.generation) {
      return leaseLost(session, actor);
    }
    return undefined;
  }
  // Releasing is giving up one's own claim: someone else's live claim is refused like a claim.
  if (FENCED_BY_LIVE_OWNER.has(kind) && owner !== undefined && owner.id !== actor.owner) {
    if (ownerLive(session, nowMs, actor)) return busy(session, owner);
  }
  return undefined;
}

/** The patch and events of an ownership operation, or null when it has nothing to do. */
export function decideOwnership(
  session: Session,
  op: OwnershipOperation,
  nowMs: number,
  actor: Actor,
): { patch: SessionPatch; events: Array<{ type: string; data: JsonObject }> } | null {
  const at = new Date(nowMs).toISOString();
  switch (op.kind) {
    case "claim": {
      const generation = session.version + 1;
      const owner: SessionOwner = { ...op.owner, generation };
      const leaseUntil = new Date(nowMs + op.leaseMs).toISOString();
      const data: JsonObject = { owner: describeOwner(owner), generation, leaseUntil };
      if (session.owner !== undefined) data.previous = describeOwner(session.owner);
      return { patch: { owner, leaseUntil }, events: [{ type: "claim", data }] };
    }
    case "heartbeat":
      return { patch: { leaseUntil: new Date(nowMs + op.leaseMs).toISOString() }, events: [] };
    case "release":
      if (session.owner === undefined) return null;
      return {
        patch: { owner: null, leaseUntil: null },
        events: [{ type: "release", data: { owner: describeOwner(session.owner) } }],
      };
    case "crash": {
      const owner = session.owner;
      // Decided again on every fresh read: only the first sweeper to commit finds the owner it saw.
      if (session.status !== "active" || owner === undefined || owner.generation !== op.generation)
        return null;
      const expired = session.leaseUntil !== undefined && Date.parse(session.leaseUntil) <= nowMs;
      const gone = !expired && (actor.ownerGone?.(owner) ?? false);
      if (!expired && !gone) return null;
      const patch: SessionPatch = { status: op.status, owner: null, leaseUntil: null };
      if (op.status === "paused") patch.pause = { at, reason: "crashed" };
      else patch.endedAt = at;
      if (op.status === "failed")
        patch.error = `The owner ${owner.id} (pid ${owner.pid} on ${owner.host}) crashed`;
      const data: JsonObject = {
        reason: expired ? "lease_expired" : "process_gone",
        owner: describeOwner(owner),
        status: op.status,
      };
      if (session.leaseUntil !== undefined) data.leaseUntil = session.leaseUntil;
      return { patch, events: [{ type: "crash", data }] };
    }
  }
}

/** Ownership ends with the session: a terminal transition clears owner and lease in the same commit. */
export function releaseOnEnd(session: Session, patch: SessionPatch): void {
  if (session.owner === undefined || patch.status === undefined || !isTerminalStatus(patch.status)) return;
  patch.owner = null;
  patch.leaseUntil = null;
}

function describeOwner(owner: SessionOwner): JsonObject {
  return {
    id: owner.id,
    host: owner.host,
    pid: owner.pid,
    startedAt: owner.startedAt,
    generation: owner.generation,
  };
}

/** ERR_LEASE_LOST: the claim of `actor.generation` on the session is no longer held. */
export function leaseLost(session: Session, actor: Pick<Actor, "generation">): SessionKitError {
  const now = session.owner;
  const holder =
    now === undefined ? "nobody holds it now" : `it is held by ${now.id} (generation ${now.generation})`;
  return new SessionKitError(
    "ERR_LEASE_LOST",
    `[${COMPONENT}] This manager's claim on session ${describeValue(session.id)} (generation ${actor.generation}) was lost: ${holder}. Nothing was changed; claim it again before writing.`,
    { details: { id: session.id, generation: actor.generation, owner: now ?? null } },
  );
}

function busy(session: Session, owner: SessionOwner): SessionKitError {
  return new SessionKitError(
    "ERR_SESSION_BUSY",
    `[${COMPONENT}] Session ${describeValue(session.id)} is owned by ${owner.id} (pid ${owner.pid} on ${owner.host}) until ${session.leaseUntil ?? "its release"}. Nothing was changed; wait for its release or lease expiry (a sweeper then marks it crashed).`,
    { details: { id: session.id, owner, leaseUntil: session.leaseUntil ?? null } },
  );
}
