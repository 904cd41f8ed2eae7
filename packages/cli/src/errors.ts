import type { ErrorCode } from "@sessionkit/core";
import { isSessionKitError, SessionKitError } from "@sessionkit/core/driver";

/** The exit codes every verb uses; scripts branch on them. */
export const EXIT = { ok: 0, error: 1, usage: 2, problems: 3 } as const;

/** Codes that mean the operator's input was wrong (exit 2), not that the store failed (exit 1). */
const USAGE_CODES = new Set<ErrorCode>([
  "ERR_INVALID_INPUT",
  "ERR_INVALID_QUERY",
  "ERR_INVALID_CURSOR",
  "ERR_INVALID_ID",
]);

/** A bad command line: exit code 2. */
export function usageError(message: string, details: Record<string, unknown> = {}): SessionKitError {
  return new SessionKitError("ERR_INVALID_INPUT", `[cli] ${message}`, {
    details: { ...details, usage: true },
  });
}

/** The exit code an error ends the process with. */
export function exitCodeOf(error: unknown): number {
  if (isSessionKitError(error) && (error.details.usage === true || USAGE_CODES.has(error.code)))
    return EXIT.usage;
  return EXIT.error;
}

/** The one line an operator sees: the code, then the message (which says what to do). */
export function formatError(error: unknown): string {
  if (isSessionKitError(error)) return `error ${error.code}: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  return `error ERR_UNEXPECTED: ${message.split("\n")[0]} (run again with --debug for the stack trace)`;
}
