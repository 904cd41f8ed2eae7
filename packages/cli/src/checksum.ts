import { createHash } from "node:crypto";
import type { Session, SessionEvent } from "@sessionkit/core";

/** JSON with object keys sorted at every level, so equal values give equal bytes whatever store wrote them. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined)
      Object.defineProperty(out, key, {
        value: sortKeys(member),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}

/** sha256 of a session's canonical state and history: equal on two stores exactly when the data is. */
export function sessionChecksum(session: Session, events: SessionEvent[]): string {
  return createHash("sha256").update(canonicalJson({ session, events })).digest("hex");
}
