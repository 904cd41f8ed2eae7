import type { Clock } from "../clock.js";
import { describeValue, errors, isSessionKitError, SessionKitError } from "../errors.js";
import type { Session } from "../model.js";
import type { CommitInput, CommitResult, SessionStore, SyncSessionStore } from "../store.js";
import { COMPONENT } from "./schemas.js";
import { type Decision, decide as decideOperation, type Operation } from "./transitions.js";

/** Runs read-decide-commit loops against one store. */
export interface Committer {
  /**
   * Reads the session, asks `decide` what to commit, and commits it conditioned on the version it
   * read. On a version conflict it reads again and decides again, so no concurrent update is lost.
   */
  mutate(id: string, decide: (session: Session, nowMs: number) => Decision): Promise<Session>;
}

/**
 * Creates the loop. `onCommit` runs after every successful commit (notifications); `maxRetries`
 * bounds the re-reads after conflicts before ERR_STORE_BUSY.
 */
export function createCommitter(
  store: SessionStore,
  clock: Clock,
  maxRetries: number,
  onCommit: (result: CommitResult) => void,
): Committer {
  return {
    async mutate(id, decide) {
      for (let attempt = 0; ; attempt++) {
        const current = await store.get(id);
        if (current === null) throw errors.notFound(COMPONENT, id);
        const decision = decide(current, clock.now());
        const input = commitInputOf(decision, current.version);
        if (input === null) {
          if (decision.error) throw decision.error;
          return current;
        }
        let result: CommitResult;
        try {
          result = await store.commit(id, input);
        } catch (error) {
          if (!isSessionKitError(error, "ERR_VERSION_CONFLICT")) throw error;
          if (attempt >= maxRetries) throw busy(id, attempt + 1, error);
          await backoff(attempt);
          continue;
        }
        onCommit(result);
        if (decision.error) throw decision.error;
        return result.session;
      }
    },
  };
}

/** The commit a decision asks for, conditioned on the version it was made on; null when it changes nothing. */
function commitInputOf(decision: Decision, version: number): CommitInput | null {
  const hasPatch = Object.keys(decision.patch).length > 0;
  if (!hasPatch && decision.events.length === 0) return null;
  return {
    expectedVersion: version,
    ...(hasPatch ? { patch: decision.patch } : {}),
    ...(decision.events.length > 0 ? { events: decision.events } : {}),
  };
}

/**
 * The manager's read-decide-commit for a synchronous face (`store.sync()`): the same transition
 * table and deadline rule, so a sync caller (the seed drop-in) can never decide differently.
 * Retries at once on a version conflict (another process won); ERR_STORE_BUSY after `maxRetries`.
 */
export function applyOperationSync(
  store: SyncSessionStore,
  id: string,
  operation: Operation,
  options: { clock: Clock; maxRetries?: number },
): Session {
  const maxRetries = options.maxRetries ?? 50;
  for (let attempt = 0; ; attempt++) {
    const current = store.get(id);
    if (current === null) throw errors.notFound(COMPONENT, id);
    const decision = decideOperation(current, operation, options.clock.now());
    const input = commitInputOf(decision, current.version);
    if (input === null) {
      if (decision.error) throw decision.error;
      return current;
    }
    let result: CommitResult;
    try {
      result = store.commit(id, input);
    } catch (error) {
      if (!isSessionKitError(error, "ERR_VERSION_CONFLICT")) throw error;
      if (attempt >= maxRetries) throw busy(id, attempt + 1, error);
      continue;
    }
    if (decision.error) throw decision.error;
    return result.session;
  }
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
