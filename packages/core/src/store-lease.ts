import { describeValue, SessionKitError } from "./errors.js";

/** Names a store lease may have: what a file name, a key suffix and a SQL text value all hold safely. */
export const LEASE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

/** The longest lease text a driver must store (a holder's identity and instant, with room to spare). */
export const MAX_LEASE_TEXT = 4096;

/** Checks swapLease's arguments at the boundary; ERR_INVALID_INPUT naming the bad one. */
export function parseLeaseSwap(
  name: string,
  expected: string | null,
  next: string | null,
  component: string,
): void {
  if (typeof name !== "string" || !LEASE_NAME_PATTERN.test(name)) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[${component}] Expected the lease name to match ${LEASE_NAME_PATTERN}, got ${describeValue(name)}. Nothing was changed.`,
      { details: { field: "name" } },
    );
  }
  for (const [field, value] of [
    ["expected", expected],
    ["next", next],
  ] as const) {
    // `expected` is only compared: any text a store holds (a corrupt one too) can be taken over.
    if (value === null || (field === "expected" ? typeof value === "string" : isLeaseText(value))) continue;
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[${component}] Expected \`${field}\` of swapLease to be null or ${field === "expected" ? "a string" : `a non-empty string of at most ${MAX_LEASE_TEXT} characters without NUL`}, got ${describeValue(value)}. Nothing was changed.`,
      { details: { field } },
    );
  }
}

/** A text every store holds as given: PostgreSQL's `text` has no NUL (it answered ERR_STORE_IO). */
function isLeaseText(value: unknown): boolean {
  return (
    typeof value === "string" && value.length > 0 && value.length <= MAX_LEASE_TEXT && !value.includes("\0")
  );
}
