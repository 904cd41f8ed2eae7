import type { MaybePromise, StoreDriver } from "./driver.js";
import { chain } from "./driver-kit.js";
import { SessionKitError } from "./errors.js";

/**
 * How much of the change log behind watch() a store keeps (the same shape on every store):
 * `{ maxLength }` changes, the newest; a `since` cursor older than that fails with
 * ERR_CURSOR_EXPIRED instead of silently skipping what was trimmed.
 */
export interface ChangeLogOptions {
  /** How many of the newest changes to keep, at least (a store may keep a few more between trims). */
  maxLength?: number;
}

/** The default length of a bounded change log (Redis's and the memory store's): 100,000 changes. */
export const DEFAULT_CHANGE_LOG_LENGTH = 100_000;

/**
 * The kept length from a store's `changeLog` option; `fallback` when none is given (undefined: keep
 * everything). ERR_INVALID_INPUT for anything but a positive safe integer.
 */
export function changeLogLength(
  option: ChangeLogOptions | undefined,
  fallback: number | undefined,
  component: string,
): number | undefined {
  const length = option?.maxLength ?? fallback;
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 1)) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[${component}] Expected \`changeLog.maxLength\` to be a positive integer, got ${JSON.stringify(option)}.`,
    );
  }
  return length;
}

/**
 * How many changes a store may let the log grow past `maxLength` before it trims: a trim per
 * write would cost a DELETE per append; one per eighth of the length (at most 1,024 writes) keeps
 * the log within 1/8 of its bound.
 */
export function trimSlack(maxLength: number): number {
  return Math.max(1, Math.min(1024, Math.ceil(maxLength / 8)));
}

/** The error for a cursor older than the kept log; `oldest` is the oldest kept change's pos. */
export function cursorExpired(
  component: string,
  after: number,
  oldest: number | undefined,
  maxLength: number,
): SessionKitError {
  const kept = oldest === undefined ? "nothing older than the latest change" : `changes from #${oldest} on`;
  return new SessionKitError(
    "ERR_CURSOR_EXPIRED",
    `[${component}] The watch cursor is older than the change log keeps (it needs the changes after #${after}; the log holds ${kept}, about the last ${maxLength}). Re-read what you follow (get/list), then watch again without \`since\`, or with since: "start".`,
    { details: { after, oldest: oldest ?? null, maxLength } },
  );
}

/**
 * The driver with `wrote()` run after each successful write (insert, commit, delete, prune), for a
 * store that trims its change log every so many writes; the write's answer waits for it.
 */
export function countingWrites(driver: StoreDriver, wrote: () => MaybePromise<void>): StoreDriver {
  const counted =
    <A extends unknown[], R>(write: (...args: A) => MaybePromise<R>) =>
    (...args: A): MaybePromise<R> =>
      chain(write(...args), (result) => chain(wrote(), () => result));
  return {
    ...driver,
    insert: counted(driver.insert),
    commit: counted(driver.commit),
    delete: counted(driver.delete),
    ...(driver.prune ? { prune: counted(driver.prune) } : {}),
  };
}
