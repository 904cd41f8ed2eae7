import type { Clock } from "../clock.js";
import { describeValue, errors, isSessionKitError, SessionKitError } from "../errors.js";
import type { Session } from "../model.js";
import type { CommitInput, CommitResult, GetOptions, SessionStore, SyncSessionStore } from "../store.js";
import { COMPONENT } from "./schemas.js";
import { type Decision, decide as decideOperation, type Operation } from "./transitions.js";

/** Decides what to commit on the session as read at `nowMs`. */
export interface Decide {
  (session: Session, nowMs: number): Decision;
  /** The operation id the decision is for: the read must carry its entry (see GetOptions). */
  operationId?: string | undefined;
}

/** `decide`, with `seen` told of every decision it makes (its operation id kept for the read). */
export function observed(decide: Decide, seen: (decision: Decision) => void): Decide {
  const watched: Decide = (session, nowMs) => {
    const decision = decide(session, nowMs);
    seen(decision);
    return decision;
  };
  watched.operationId = decide.operationId;
  return watched;
}

/** One effect the loop asks its runner to perform; the runner feeds the outcome back in. */
type Effect = () => unknown;

/** The store calls the loop needs, sync or async. */
interface LoopStore {
  get(id: string, options: GetOptions): unknown;
  commit(id: string, input: CommitInput): unknown;
}

/**
 * THE read-decide-commit loop, written once for both faces: it yields each store call as an
 * effect, and a runner (`runSync` or `runAsync`) performs it. Reads the session, asks `decide`,
 * commits conditioned on the version it read, and on a version conflict reads and decides again,
 * so no concurrent update is lost. `onCommit` (notifications) runs after every successful commit,
 * before a decision's error is thrown, so a committed deadline timeout is always published.
 */
function* commitLoop(
  store: LoopStore,
  id: string,
  decide: Decide,
  options: LoopOptions,
  pause: (attempt: number) => unknown,
): Generator<Effect, Session, unknown> {
  // Options, even without an operation id: a store with a side table then reads no entries at all.
  const read: GetOptions = decide.operationId === undefined ? {} : { operationId: decide.operationId };
  for (let attempt = 0; ; attempt++) {
    const current = (yield () => store.get(id, read)) as Session | null;
    if (current === null) throw errors.notFound(COMPONENT, id);
    const decision = decide(current, options.clock.now());
    if (decision.replay !== undefined) return decision.replay;
    const input = commitInputOf(decision, current.version);
    if (input === null) {
      if (decision.error) throw decision.error;
      return current;
    }
    let result: CommitResult;
    try {
      result = (yield () => store.commit(id, input)) as CommitResult;
    } catch (error) {
      if (!isSessionKitError(error, "ERR_VERSION_CONFLICT")) throw error;
      if (attempt >= options.maxRetries) throw busy(id, attempt + 1, error);
      yield () => pause(attempt);
      continue;
    }
    options.onCommit?.(result);
    if (decision.error) throw decision.error;
    return result.session;
  }
}

/** What every loop run needs. */
export interface LoopOptions {
  clock: Clock;
  /** Re-reads after conflicts before ERR_STORE_BUSY. */
  maxRetries: number;
  /** Runs after every successful commit (the manager's publisher). */
  onCommit?: ((result: CommitResult) => void) | undefined;
}

/** Runs the loop against an async store, with a tiny jittered pause between conflicting attempts. */
export function mutateAsync(
  store: SessionStore,
  id: string,
  decide: Decide,
  options: LoopOptions,
): Promise<Session> {
  return runAsync(commitLoop(store, id, decide, options, backoff));
}

/** Runs the same loop against a sync face; retries at once (another process won the race). */
export function mutateSync(
  store: SyncSessionStore,
  id: string,
  decide: Decide,
  options: LoopOptions,
): Session {
  return runSync(commitLoop(store, id, decide, options, () => undefined));
}

/** Drives a loop whose effects return plain values. */
export function runSync<T>(loop: Generator<Effect, T, unknown>): T {
  let step = loop.next();
  while (!step.done) {
    let value: unknown;
    try {
      value = step.value();
    } catch (error) {
      step = loop.throw(error);
      continue;
    }
    step = loop.next(value);
  }
  return step.value;
}

/** Drives a loop whose effects may return promises. */
export async function runAsync<T>(loop: Generator<Effect, T, unknown>): Promise<T> {
  let step = loop.next();
  while (!step.done) {
    let value: unknown;
    try {
      value = await step.value();
    } catch (error) {
      step = loop.throw(error);
      continue;
    }
    step = loop.next(value);
  }
  return step.value;
}

/** The commit a decision asks for, conditioned on the version it was made on; null when it changes nothing. */
function commitInputOf(decision: Decision, version: number): CommitInput | null {
  const hasPatch = Object.keys(decision.patch).length > 0;
  if (!hasPatch && decision.events.length === 0 && decision.operation === undefined) return null;
  return {
    expectedVersion: version,
    ...(hasPatch ? { patch: decision.patch } : {}),
    ...(decision.events.length > 0 ? { events: decision.events } : {}),
    ...(decision.operation === undefined ? {} : { operation: decision.operation }),
  };
}

/**
 * The manager's decision for one operation on a synchronous face (`store.sync()`). Prefer
 * `manager.sync()`, which publishes webhooks and listener events; this function publishes only
 * through `options.onCommit`.
 * @deprecated Use `manager.sync().apply(id, operation)`.
 */
export function applyOperationSync(
  store: SyncSessionStore,
  id: string,
  operation: Operation,
  options: { clock: Clock; maxRetries?: number; onCommit?: (result: CommitResult) => void },
): Session {
  return mutateSync(store, id, (session, nowMs) => decideOperation(session, operation, nowMs), {
    clock: options.clock,
    maxRetries: options.maxRetries ?? 50,
    onCommit: options.onCommit,
  });
}

function busy(id: string, attempts: number, cause: unknown): SessionKitError {
  return new SessionKitError(
    "ERR_STORE_BUSY",
    `[${COMPONENT}] Session ${describeValue(id)} changed under this update ${attempts} times in a row. Nothing was changed; retry later or raise maxCommitRetries.`,
    { cause, details: { id, attempts } },
  );
}

/** Tiny jittered pause so racing writers spread out instead of colliding again in lockstep. */
function backoff(attempt: number): Promise<void> {
  if (attempt < 2) return new Promise((resolve) => setImmediate(resolve));
  const ceiling = Math.min(50, 2 ** (attempt - 1));
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
