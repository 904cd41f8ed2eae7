import { errors, isSessionKitError } from "../errors.js";
import type { Session } from "../model.js";
import type { CommitResult, SessionStore } from "../store.js";
import { type Decide, type LoopOptions, mutateAsync, observed } from "./commit-loop.js";
import { requestDigest } from "./idempotency.js";
import type { Actor } from "./ownership.js";
import { ownerProcessGone, thisProcess } from "./process-identity.js";
import { COMPONENT } from "./schemas.js";
import { decide, type Operation } from "./transitions.js";

/** A claim this manager holds (or held: `lost` after someone else claimed, until claimed again). */
interface Claim {
  generation: number;
  owner: string;
  leaseMs: number;
  lost: boolean;
  timer?: NodeJS.Timeout;
}

/** The claims one manager holds on sessions, their heartbeats, and the actor every decision runs as. */
export interface Claims {
  /** The owner id this manager claims as by default. */
  readonly ownerId: string;
  /** The actor for a decision on `id` (with the request digest when an operation id is given). */
  actorFor(id: string, call: string, operation: unknown, operationId: string | undefined): Actor;
  /** A decide function for one operation on `id`, fenced by this manager's claim (`force`: see CallOptions). */
  decider(id: string, operation: Operation, operationId?: string, call?: string, force?: boolean): Decide;
  /** Follows a commit: starts, refreshes or ends the claim it shows. */
  track(result: CommitResult): void;
  /** Marks the claim on `id` lost (ERR_LEASE_LOST): later writes stay fenced until a new claim. */
  lose(id: string): void;
  /** Claims `id` for `owner` (default: this manager's id) with a heartbeat every leaseMs/3. */
  claim(id: string, owner: string | undefined, leaseMs: number, operationId?: string): Promise<Session>;
  /** Gives the claim on `id` up (a no-op without one). */
  release(id: string, operationId?: string): Promise<Session>;
  /** Stops every heartbeat and releases every live claim, within `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

/** Creates the claim registry of one manager. `onLost` hears of every claim lost to someone else. */
export function createClaims(
  store: SessionStore,
  loop: LoopOptions,
  ownerId: string,
  defaultLeaseMs: number,
  onLost: (id: string, error: unknown) => void,
): Claims {
  const claims = new Map<string, Claim>();
  // claim() calls in flight: track() adopts a claim made under a caller-given owner with its lease.
  const claiming = new Map<string, { owner: string; leaseMs: number }>();

  function actorFor(id: string, call: string, operation: unknown, operationId: string | undefined): Actor {
    const claim = claims.get(id);
    const actor: Actor = { owner: claim?.owner ?? ownerId, ownerGone: ownerProcessGone };
    if (claim !== undefined) actor.generation = claim.generation;
    if (operationId !== undefined) {
      actor.operationId = operationId;
      actor.digest = requestDigest(call, operation);
    }
    return actor;
  }

  function decider(
    id: string,
    operation: Operation,
    operationId?: string,
    call: string = operation.kind,
    force = false,
  ): Decide {
    if (operationId !== undefined) requireCapability(store, "idempotency");
    const decider: Decide = (session, nowMs) => {
      const actor = actorFor(id, call, operation, operationId);
      // A claim acts as the owner it claims for (claim(id, { owner }) may name another one).
      if (operation.kind === "claim") actor.owner = operation.owner.id;
      if (force) actor.force = true;
      return decide(session, operation, nowMs, actor);
    };
    decider.operationId = operationId;
    return decider;
  }

  function stop(claim: Claim | undefined): void {
    if (claim?.timer) clearInterval(claim.timer);
    if (claim) delete claim.timer;
  }

  /** Starts the claim's heartbeat, every leaseMs/3; unref'd: it never keeps a process alive on its own. */
  function beat(id: string, claim: Claim): void {
    claim.timer = setInterval(() => heartbeat(id, claim), Math.max(1, Math.floor(claim.leaseMs / 3)));
    claim.timer.unref();
  }

  function heartbeat(id: string, claim: Claim): void {
    if (claim.lost) return;
    mutateAsync(store, id, decider(id, { kind: "heartbeat", leaseMs: claim.leaseMs }), loop).then(
      () => undefined,
      (error: unknown) => {
        if (isSessionKitError(error, "ERR_LEASE_LOST")) lose(id, error);
        else if (
          isSessionKitError(error, "ERR_SESSION_NOT_FOUND") ||
          isSessionKitError(error, "ERR_INVALID_TRANSITION")
        ) {
          stop(claims.get(id));
          claims.delete(id);
        }
        // Anything else (a busy store) is retried on the next beat, well before the lease runs out.
      },
    );
  }

  function lose(id: string, error?: unknown): void {
    const claim = claims.get(id);
    if (claim === undefined || claim.lost) return;
    claim.lost = true;
    stop(claim);
    onLost(id, error);
  }

  function track(result: CommitResult): void {
    const { session } = result;
    const claim = claims.get(session.id);
    const owner = session.owner;
    const pending = claiming.get(session.id);
    const mine = pending?.owner ?? claim?.owner ?? ownerId;
    if (owner !== undefined && owner.id === mine) {
      if (claim !== undefined && claim.generation === owner.generation && !claim.lost) return;
      stop(claim);
      // The lease asked for, not leaseUntil - updatedAt: the store's clock (updatedAt) may differ
      // from this manager's (leaseUntil); an hour behind made that negative, a heartbeat every 1 ms.
      const leaseMs = pending?.leaseMs ?? defaultLeaseMs;
      const next: Claim = { generation: owner.generation, owner: owner.id, leaseMs, lost: false };
      beat(session.id, next);
      claims.set(session.id, next);
      return;
    }
    // The session ended (terminal commits clear the owner) or was released: the claim is over.
    if (claim !== undefined && !claim.lost && owner === undefined) {
      stop(claim);
      claims.delete(session.id);
    }
  }

  return {
    ownerId,
    actorFor,
    decider,
    track,
    lose: (id) => lose(id),
    async claim(id, owner, leaseMs, operationId) {
      requireCapability(store, "leases");
      const identity = thisProcess();
      const operation: Operation = { kind: "claim", owner: { ...identity, id: owner ?? ownerId }, leaseMs };
      // A claim is fenced by nothing but the live-owner rule: a lost claim may be taken again.
      const current = claims.get(id);
      if (current?.lost) claims.delete(id);
      claiming.set(id, { owner: operation.owner.id, leaseMs });
      try {
        return await mutateAsync(store, id, decider(id, operation, operationId), loop);
      } catch (error) {
        // A replayed claim whose generation was taken over: this manager's claim is over too.
        if (isSessionKitError(error, "ERR_LEASE_LOST")) lose(id, error);
        throw error;
      } finally {
        claiming.delete(id);
      }
    },
    async release(id, operationId) {
      const claim = claims.get(id);
      // Stopped first, so that no heartbeat races the release (it would read as a lost lease).
      stop(claim);
      let replayed = false;
      const decide = decider(id, { kind: "release" }, operationId);
      const watched = observed(decide, (decision) => {
        replayed = decision.replay !== undefined || decision.error !== undefined;
      });
      const session = await mutateAsync(store, id, watched, loop).catch((error: unknown) => {
        if (claim !== undefined && !claim.lost && claims.get(id) === claim) beat(id, claim);
        throw error;
      });
      // A replay released nothing now: a claim taken since the first release keeps its heartbeat.
      if (replayed && claim !== undefined && !claim.lost && claims.get(id) === claim) beat(id, claim);
      else claims.delete(id);
      return session;
    },
    async close(timeoutMs) {
      const live = [...claims].filter(([, claim]) => !claim.lost);
      for (const [, claim] of claims) stop(claim);
      if (live.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      const releases = live.map(([id]) =>
        mutateAsync(store, id, decider(id, { kind: "release" }), loop).catch(() => undefined),
      );
      await Promise.race([Promise.all(releases), bound]);
      clearTimeout(timer);
    },
  };
}

/**
 * ERR_UNSUPPORTED_CAPABILITY unless the store claims `name`: a store that drops `owner` or
 * `operations` would accept claims and operation ids and then fence or dedupe nothing.
 */
export function requireCapability(
  store: Pick<SessionStore, "capabilities">,
  name: "leases" | "idempotency",
): void {
  if (store.capabilities?.[name] !== true) throw errors.unsupported(COMPONENT, name);
}
