import { customAlphabet } from "nanoid";
import { describeValue, SessionKitError } from "./errors.js";

/** Every session id that enters sessionkit must match this: it can never name a path outside a directory. */
export const SESSION_ID_PATTERN = /^session_[A-Za-z0-9_-]{1,120}$/;

const nanoid = customAlphabet("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 21);

/** A new id: `session_` plus 21 random alphanumerics (nanoid, ~125 bits). */
export function createSessionId(): string {
  return `session_${nanoid()}`;
}

/** True when `value` is a well-formed session id. */
export function isValidSessionId(value: unknown): value is string {
  return typeof value === "string" && SESSION_ID_PATTERN.test(value);
}

/** Throws ERR_INVALID_ID unless `value` is a well-formed session id; call before any I/O. */
export function assertSessionId(value: unknown, component = "sessionkit"): asserts value is string {
  if (!isValidSessionId(value)) {
    throw new SessionKitError(
      "ERR_INVALID_ID",
      `[${component}] Expected \`id\` to match ${SESSION_ID_PATTERN}, got ${describeValue(value)}. Use an id made by createSessionId().`,
      { details: { id: typeof value === "string" ? value.slice(0, 200) : String(value) } },
    );
  }
}
