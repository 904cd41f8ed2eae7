import { errors, SessionKitError } from "@sessionkit/core/driver";

/** The prefix of every message this package writes. */
export const STORE_NAME = "store-sqlite";

/** True for the SQLite errors that mean "another connection holds the lock". */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/**
 * Turns SQLITE_BUSY/SQLITE_LOCKED into ERR_STORE_BUSY (SQLite already waited `busyTimeoutMs`);
 * SessionKitErrors pass through; anything else is left for the wrapper to report as ERR_STORE_IO.
 */
export function translateError(error: unknown, what: string, busyTimeoutMs: number): unknown {
  if (error instanceof SessionKitError) return error;
  if (isBusyError(error))
    return errors.busy(STORE_NAME, `The database (needed to ${what})`, busyTimeoutMs, error);
  return error;
}
