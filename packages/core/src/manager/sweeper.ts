import { isSessionKitError } from "../errors.js";
import type { InboxPage, SessionStore } from "../store.js";
import { type Decide, type LoopOptions, mutateAsync, observed } from "./commit-loop.js";
import type { InputExpiryPolicy } from "./inbox.js";
import { type CrashStatus, ownerLive } from "./ownership.js";
import { ownerProcessGone } from "./process-identity.js";
import { listAll } from "./queries.js";
import { decide } from "./transitions.js";

/** Options of sweep() and startSweeper(). */
export interface SweepOptions {
  /** What a crashed session becomes (default "paused", with `pause.reason: "crashed"`). */
  status?: CrashStatus;
  /**
   * What an input request past its `expiresAt` does (default "timeout": the session times out;
   * "failed"; or `{ respond: { action, value? } }`, a default response): an `input_expired` event.
   */
  inputExpiry?: InputExpiryPolicy;
}

/** What one sweep did. */
export interface SweepResult {
  /** Sessions this sweep marked crashed (another sweeper's catches are not listed). */
  crashed: string[];
  /** Sessions whose expired input requests this sweep resolved. */
  expired: string[];
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
    const committed = await commitSweepDecision(store, seen.id, loop, "crash", (session, nowMs) =>
      decide(session, { kind: "crash", status, generation }, nowMs, actor),
    );
    if (committed) crashed.push(seen.id);
  }
  return { crashed, expired: await expireInputs(store, loop, options.inputExpiry ?? "timeout") };
}

/** Resolves every open input request whose expiresAt has passed, one commit per session, by the policy. */
async function expireInputs(
  store: SessionStore,
  loop: LoopOptions,
  policy: InputExpiryPolicy,
): Promise<string[]> {
  const expired: string[] = [];
  const expiringBefore = new Date(loop.clock.now()).toISOString();
  let cursor: string | null = null;
  do {
    const page: InboxPage = await store.listAwaitingInput({ expiringBefore, limit: 1000, cursor });
    for (const { session } of page.items) {
      const committed = await commitSweepDecision(
        store,
        session.id,
        loop,
        "input_expired",
        (current, nowMs) => decide(current, { kind: "expire_input", policy }, nowMs),
      );
      if (committed) expired.push(session.id);
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  return expired;
}

/**
 * Commits one sweep decision on a fresh read; true when the committed decision carried an event of
 * `eventType` (false when another sweeper got there first). A session deleted meanwhile, or too
 * contended this round, is left for the next sweep.
 */
async function commitSweepDecision(
  store: SessionStore,
  id: string,
  loop: LoopOptions,
  eventType: string,
  decideFor: Decide,
): Promise<boolean> {
  let committed = false;
  try {
    const watched = observed(decideFor, (decision) => {
      committed = decision.events.some((event) => event.type === eventType);
    });
    await mutateAsync(store, id, watched, loop);
  } catch (error) {
    if (isSessionKitError(error, "ERR_SESSION_NOT_FOUND") || isSessionKitError(error, "ERR_STORE_BUSY"))
      return false;
    throw error;
  }
  return committed;
}

/**
 * Runs sweepOnce every `intervalMs` (timer unref'd), never two passes at once and none once
 * `closed()`; a failed pass goes to `onError`. Returns the function that stops it.
 */
export function startSweeping(
  store: SessionStore,
  loop: LoopOptions,
  intervalMs: number,
  options: SweepOptions,
  closed: () => boolean,
  onError: (error: unknown) => void,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running || closed()) return;
    running = true;
    sweepOnce(store, loop, options)
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
