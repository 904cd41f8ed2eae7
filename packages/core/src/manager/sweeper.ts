import { isSessionKitError } from "../errors.js";
import type { SessionStore } from "../store.js";
import { type LoopOptions, mutateAsync } from "./commit-loop.js";
import { type CrashStatus, ownerLive } from "./ownership.js";
import { ownerProcessGone } from "./process-identity.js";
import { listAll } from "./queries.js";
import { decide } from "./transitions.js";

/** Options of sweep() and startSweeper(). */
export interface SweepOptions {
  /** What a crashed session becomes (default "paused", with `pause.reason: "crashed"`). */
  status?: CrashStatus;
}

/** What one sweep did. */
export interface SweepResult {
  /** Sessions this sweep marked crashed (another sweeper's catches are not listed). */
  crashed: string[];
}

/**
 * One pass over the active sessions: each one whose lease has expired, or whose owner runs on
 * this host in a process that is gone (pid and start time checked), gets its crash committed
 * (status, `crash` event, owner cleared) in one version-conditioned commit. The decision is taken
 * again on every fresh read, so across any number of sweeping processes exactly one commits it.
 */
export async function sweepOnce(
  store: SessionStore,
  loop: LoopOptions,
  options: SweepOptions = {},
): Promise<SweepResult> {
  const status = options.status ?? "paused";
  const crashed: string[] = [];
  const actor = { ownerGone: ownerProcessGone };
  for (const summary of await listAll(store, { status: "active" })) {
    const seen = await store.get(summary.id).catch(() => null);
    if (seen?.owner === undefined || ownerLive(seen, loop.clock.now(), actor)) continue;
    const generation = seen.owner.generation;
    let committed = false;
    try {
      await mutateAsync(
        store,
        seen.id,
        (session, nowMs) => {
          const decision = decide(session, { kind: "crash", status, generation }, nowMs, actor);
          committed = decision.events.some((event) => event.type === "crash");
          return decision;
        },
        loop,
      );
    } catch (error) {
      // Deleted meanwhile, or too contended this round: the next sweep looks again.
      if (isSessionKitError(error, "ERR_SESSION_NOT_FOUND") || isSessionKitError(error, "ERR_STORE_BUSY"))
        continue;
      throw error;
    }
    if (committed) crashed.push(seen.id);
  }
  return { crashed };
}
