import { SessionKitError } from "@sessionkit/core";
import { COMPONENT } from "./state.js";
import { cleanupOldSessions as cleanupMilliseconds } from "./store-api.js";

/**
 * The root drop-in's `cleanupOldSessions`: milliseconds, as the seed's index.ts exported it, but a
 * whole number from 1 to 999 is refused (ERR_INVALID_INPUT, nothing deleted). That is what a
 * caller who means days passes (`/session cleanup` defaults to 30), and as milliseconds it would
 * delete every finished session. 0 and fractions keep the seed's meaning.
 */
export function cleanupOldSessions(maxAgeMs: number): number {
  if (typeof maxAgeMs === "number" && Number.isInteger(maxAgeMs) && maxAgeMs >= 1 && maxAgeMs <= 999) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[${COMPONENT}] cleanupOldSessions(${maxAgeMs}) from "@sessionkit/store-fs/compat" takes milliseconds (as the seed's index.ts exported it), so it would delete every finished session older than ${maxAgeMs} ms; nothing was deleted. For days call cleanupSessions(${maxAgeMs}), or import cleanupOldSessions from "@sessionkit/store-fs/compat/manager" (days, as the seed's manager.ts). For milliseconds pass 1000 or more.`,
      { details: { function: "cleanupOldSessions", maxAgeMs, reason: "ambiguous-unit" } },
    );
  }
  return cleanupMilliseconds(maxAgeMs);
}
