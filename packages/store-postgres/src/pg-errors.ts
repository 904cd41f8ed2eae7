import { errors, isSessionKitError, SessionKitError } from "@sessionkit/core/driver";

const BUSY_CODES = new Set(["40001", "40P01", "55P03", "57014"]);
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ECONNRESET",
]);

/** True for failures worth retrying as a whole transaction (serialization failure, deadlock). */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "40001" || code === "40P01";
}

/** True when the server could not be reached at all. */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return true;
  const message = (error as Error | null)?.message ?? "";
  return /timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(
    message,
  );
}

/** Turns a node-postgres or socket error into a SessionKitError; SessionKitErrors pass through. */
export function toStoreError(
  component: string,
  action: string,
  error: unknown,
  target: string,
): SessionKitError {
  if (isSessionKitError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && BUSY_CODES.has(code)) {
    return new SessionKitError(
      "ERR_STORE_BUSY",
      `[${component}] Could not ${action}: PostgreSQL reported ${code} (${(error as Error).message}). Another writer held the rows; retry later.`,
      { cause: error, details: { action, sqlState: code } },
    );
  }
  if (isUnreachable(error)) {
    return new SessionKitError(
      "ERR_STORE_IO",
      `[${component}] PostgreSQL not reachable at ${target} (${typeof code === "string" ? code : (error as Error).message}) while trying to ${action}. Start the server, or fix the connection string / pool settings.`,
      { cause: error, details: { action, target, systemCode: code } },
    );
  }
  return errors.io(component, action, error);
}
