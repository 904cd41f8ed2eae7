import type { CheckDelete, MaybePromise, StoreDriver } from "./driver.js";
import { chain, isCorruptRecordError, isPromise } from "./driver-kit.js";
import { describeValue, errors, isSessionKitError, SessionKitError } from "./errors.js";
import type { Session, SessionEvent, SessionStatus } from "./model.js";
import type { DeleteOutcome } from "./store.js";

/**
 * Legal holds, enforced once for every delete path of every store: delete, prune (and so the
 * manager's cleanup, the drop-in's cleanup, the CLI's prune and retention policies) and import
 * with overwrite all go through the wrapper, which refuses or skips a held session here.
 */

/** ERR_SESSION_HELD: the session is under a legal hold. */
export function heldError(component: string, session: Pick<Session, "id" | "hold">): SessionKitError {
  const hold = session.hold!;
  return new SessionKitError(
    "ERR_SESSION_HELD",
    `[${component}] Session ${describeValue(session.id)} is under a legal hold (${describeValue(hold.reason)}${hold.by ? ` by ${describeValue(hold.by)}` : ""}, since ${hold.at}). Nothing was deleted; release the hold (manager.unhold) first.`,
    { details: { id: session.id, hold } },
  );
}

/** Thrown by prune's per-session check when a session stopped qualifying; never escapes prune. */
const KEEP = new SessionKitError("ERR_VERSION_CONFLICT", "[sessionkit] The session no longer qualifies.");

function recover<T>(
  run: () => MaybePromise<T>,
  onError: (error: unknown) => MaybePromise<T>,
): MaybePromise<T> {
  let value: MaybePromise<T>;
  try {
    value = run();
  } catch (error) {
    return onError(error);
  }
  return isPromise(value) ? value.catch(onError) : value;
}

/** Runs `fn` over `items` one after another, synchronously while every step is. */
export function series<T, U>(items: readonly T[], fn: (item: T) => MaybePromise<U>): MaybePromise<U[]> {
  const out: U[] = [];
  const step = (index: number): MaybePromise<U[]> => {
    for (let i = index; i < items.length; i++) {
      const value = fn(items[i]!);
      if (isPromise(value))
        return value.then((result) => {
          out.push(result);
          return step(i + 1);
        });
      out.push(value);
    }
    return out;
  };
  return step(0);
}

/** The check of a guarded delete: refuses a held session, and one no longer at `expected`. */
function deleteCheck(component: string, id: string, expected: number | undefined): CheckDelete {
  return (current) => {
    if (current.hold !== undefined) throw heldError(component, current);
    if (expected !== undefined && current.version !== expected)
      throw errors.conflict(component, id, expected, current.version);
  };
}

/**
 * delete(): refused with ERR_SESSION_HELD for a held session, decided inside the driver's
 * exclusive check (so a hold committed meanwhile is seen). A record that does not decode cannot
 * show a hold; it is deleted unchecked, as before holds (it is how a user removes one).
 */
export function guardedDelete(
  driver: StoreDriver,
  id: string,
  expected: number | undefined,
): MaybePromise<boolean> {
  const check = deleteCheck(driver.name, id, expected);
  return recover(
    () => driver.delete(id, check),
    (error) => {
      if (expected === undefined && isSessionKitError(error, "ERR_CORRUPT_RECORD")) return driver.delete(id);
      throw error;
    },
  );
}

/** The most items one deleteMany takes: 500 sessions of ~10 events free in ~10-20 ms on SQLite. */
export const DELETE_BATCH_SIZE = 500;

/**
 * deleteMany(): each item deleted if still at its version and not held, through the driver's
 * batch when it has one, else one guarded delete after another. Refusals become outcomes.
 */
export function guardedDeleteMany(
  driver: StoreDriver,
  items: ReadonlyArray<{ id: string; expectedVersion: number }>,
): MaybePromise<DeleteOutcome[]> {
  const outcome = (result: boolean | unknown): DeleteOutcome => {
    if (result === true) return "deleted";
    if (result === false) return "absent";
    if (isSessionKitError(result, "ERR_SESSION_HELD")) return "held";
    if (isSessionKitError(result, "ERR_VERSION_CONFLICT") || isCorruptRecordError(result)) return "changed";
    throw result;
  };
  if (driver.deleteBatch) {
    const batch = items.map(({ id, expectedVersion }) => ({
      id,
      check: deleteCheck(driver.name, id, expectedVersion),
    }));
    return chain(driver.deleteBatch(batch), (results) => results.map(outcome));
  }
  return series(items, ({ id, expectedVersion }) =>
    recover(() => chain(driver.delete(id, deleteCheck(driver.name, id, expectedVersion)), outcome), outcome),
  );
}

/**
 * prune(): the driver's candidates (a dry run of its own prune), minus held sessions. When none
 * is held the driver's batched prune runs as it is: a hold placed after the check is a commit,
 * which moves `updatedAt` to now, past any cutoff not in the future, so the driver's own
 * exclusive re-check keeps it. Otherwise (or with a future cutoff) each candidate is deleted on
 * its own, re-checked exclusively: status, cutoff and hold.
 */
export function guardedPrune(
  driver: StoreDriver,
  prune: NonNullable<StoreDriver["prune"]>,
  statuses: SessionStatus[],
  before: string,
  dryRun: boolean,
  nowIso: string,
): MaybePromise<string[]> {
  return chain(prune(statuses, before, true), (candidates) =>
    chain(
      series(candidates, (id) =>
        recover(
          () => chain(driver.get(id), (session) => session?.hold !== undefined),
          () => false,
        ),
      ),
      (held) => {
        const free = candidates.filter((_, index) => !held[index]);
        if (dryRun) return free;
        if (free.length === candidates.length && before <= nowIso) return prune(statuses, before, false);
        const check: CheckDelete = (current) => {
          if (
            current.hold !== undefined ||
            !statuses.includes(current.status) ||
            !(current.updatedAt < before)
          )
            throw KEEP;
        };
        return chain(
          series(free, (id) =>
            recover(
              () => chain(driver.delete(id, check), (deleted) => (deleted ? id : null)),
              (error) => {
                if (error === KEEP || isSessionKitError(error, "ERR_CORRUPT_RECORD")) return null;
                throw error;
              },
            ),
          ),
          (ids) => ids.filter((id): id is string => id !== null),
        );
      },
    ),
  );
}

/**
 * importSession({ overwrite }): refused with ERR_SESSION_HELD when the session it would replace
 * is held. The check travels with the insert, which runs it on the state it replaces inside its
 * exclusive section, so a hold committed between a read and the overwrite is still seen.
 */
export function guardedOverwrite(
  driver: StoreDriver,
  session: Session,
  events: SessionEvent[],
): MaybePromise<void> {
  return driver.insert(session, events, { overwrite: true, check: heldCheck(driver.name) });
}

/** The check an overwriting import runs on the session it replaces: ERR_SESSION_HELD when held. */
export function heldCheck(component: string): CheckDelete {
  return (current) => {
    if (current.hold !== undefined) throw heldError(component, current);
  };
}
