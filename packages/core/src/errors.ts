/** Every stable error code sessionkit raises. Callers branch on these, never on messages. */
export const ERROR_CODES = [
  "ERR_SESSION_NOT_FOUND",
  "ERR_SESSION_EXISTS",
  "ERR_VERSION_CONFLICT",
  "ERR_INVALID_ID",
  "ERR_INVALID_INPUT",
  "ERR_INVALID_QUERY",
  "ERR_INVALID_CURSOR",
  "ERR_INVALID_TRANSITION",
  "ERR_PAYLOAD_TOO_LARGE",
  "ERR_CORRUPT_RECORD",
  "ERR_UNSUPPORTED_RECORD_VERSION",
  "ERR_UNSUPPORTED_SCHEMA",
  "ERR_UNSUPPORTED_CAPABILITY",
  "ERR_STORE_BUSY",
  "ERR_STORE_CLOSED",
  "ERR_STORE_IO",
  "ERR_LOCK_COMPROMISED",
  "ERR_WEBHOOK_CONFIG",
  "ERR_LEASE_LOST",
  "ERR_SESSION_BUSY",
  "ERR_IDEMPOTENCY_CONFLICT",
  "ERR_OPERATION_REPLAYED",
  "ERR_MISSING_DEPENDENCY",
  "ERR_INPUT_PENDING",
  "ERR_INPUT_NOT_FOUND",
  "ERR_INPUT_EXPIRED",
  "ERR_SESSION_HELD",
  "ERR_CURSOR_EXPIRED",
  "ERR_RETENTION_BUSY",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface SessionKitErrorOptions {
  cause?: unknown;
  /** Machine-readable facts about the failure (the id, the versions in a conflict, …). */
  details?: Record<string, unknown>;
}

/**
 * The brand every SessionKitError carries. A registered symbol is the same in every copy of
 * core, so an adapter built against one installed copy and a manager from another still
 * recognise each other's errors (instanceof alone would not: each copy has its own class).
 */
const BRAND: unique symbol = Symbol.for("sessionkit.error") as never;

function isBranded(value: unknown): value is SessionKitError {
  return (
    value !== null &&
    typeof value === "object" &&
    (value as { [BRAND]?: unknown })[BRAND] === true &&
    typeof (value as { code?: unknown }).code === "string"
  );
}

/** The one error class of sessionkit: branch on `code`, read `details` for the facts. */
export class SessionKitError extends Error {
  override readonly name = "SessionKitError";
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  /** Marks the error as sessionkit's across copies of the package (see isSessionKitError). */
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options: SessionKitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** `instanceof SessionKitError` holds for errors made by any installed copy of core. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBranded(value);
  }
}

/**
 * True when `error` is a SessionKitError (from any installed copy of core: compared by brand and
 * `code`, not by class), optionally with the given code.
 */
export function isSessionKitError(error: unknown, code?: ErrorCode): error is SessionKitError {
  return isBranded(error) && (code === undefined || error.code === code);
}

/** Renders a value for an error message: short, quoted, control characters escaped. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 60)}…(${value.length} chars)` : value;
    return JSON.stringify(shown);
  }
  if (value === undefined) return "undefined";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return value.toString();
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return String(typeof value);
    return json.length > 80 ? `${json.slice(0, 80)}…` : json;
  } catch {
    // A value whose reading throws (a getter, a Proxy trap) must not turn the error being built into another.
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return "an unreadable value";
    }
  }
}

/** Shorthand constructors so messages keep one shape: "[component] What was expected, got what. What to do." */
export const errors = {
  notFound(component: string, id: string): SessionKitError {
    return new SessionKitError(
      "ERR_SESSION_NOT_FOUND",
      `[${component}] Session ${describeValue(id)} does not exist. Check the id, or create the session first.`,
      { details: { id } },
    );
  },
  exists(component: string, id: string): SessionKitError {
    return new SessionKitError(
      "ERR_SESSION_EXISTS",
      `[${component}] Session ${describeValue(id)} already exists. Use a new id, or import with { overwrite: true }.`,
      { details: { id } },
    );
  },
  conflict(component: string, id: string, expected: number, actual: number): SessionKitError {
    return new SessionKitError(
      "ERR_VERSION_CONFLICT",
      `[${component}] Session ${describeValue(id)} is at version ${actual}, expected ${expected}. Read it again and retry the change.`,
      { details: { id, expectedVersion: expected, actualVersion: actual } },
    );
  },
  invalidInput(component: string, what: string, value: unknown, fix: string): SessionKitError {
    return new SessionKitError(
      "ERR_INVALID_INPUT",
      `[${component}] Expected ${what}, got ${describeValue(value)}. ${fix}`,
      { details: { value: typeof value === "string" ? value.slice(0, 200) : undefined } },
    );
  },
  closed(component: string): SessionKitError {
    return new SessionKitError(
      "ERR_STORE_CLOSED",
      `[${component}] The store is closed. Open a new store instead of reusing a closed one.`,
    );
  },
  corrupt(component: string, id: string, reason: string, cause?: unknown): SessionKitError {
    return new SessionKitError(
      "ERR_CORRUPT_RECORD",
      `[${component}] Session ${describeValue(id)} is corrupt: ${reason}. Repair it, or delete it with store.delete(${JSON.stringify(id)}).`,
      { cause, details: { id, reason } },
    );
  },
  io(component: string, action: string, cause: unknown): SessionKitError {
    const code = (cause as { code?: unknown } | null)?.code;
    return new SessionKitError(
      "ERR_STORE_IO",
      `[${component}] Could not ${action}${typeof code === "string" ? ` (${code})` : ""}: ${(cause as Error)?.message ?? String(cause)}. Check the storage (disk space, permissions, server) and retry.`,
      { cause, details: { action, systemCode: code } },
    );
  },
  busy(component: string, what: string, waitedMs: number, cause?: unknown): SessionKitError {
    return new SessionKitError(
      "ERR_STORE_BUSY",
      `[${component}] ${what} stayed locked for ${waitedMs} ms. Another writer holds it; retry later or raise the lock timeout.`,
      { cause, details: { waitedMs } },
    );
  },
  unsupported(component: string, capability: string): SessionKitError {
    return new SessionKitError(
      "ERR_UNSUPPORTED_CAPABILITY",
      `[${component}] This store does not support ${describeValue(capability)}. Check store.capabilities before calling it.`,
      { details: { capability } },
    );
  },
};
