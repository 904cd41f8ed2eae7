import { SESSION_KEY_ORDER, type Session, type SessionEvent } from "./model.js";

/**
 * The canonical form of exported data: one text for equal values whichever store they come from.
 * Stores rebuild records in their own key order (from a log line, from columns, from jsonb), and
 * some may reorder the caller's objects, so an export written with JSON.stringify differed in
 * bytes between stores holding the same sessions.
 *
 * The rule: a session's and an event's own fields in the data model's order (id first, so an
 * export stays readable), then any other field sorted; every nested object (context, metadata,
 * event data, pause, owner, operations) with its keys sorted by UTF-16 code units, as RFC 8785
 * does. Strings and numbers are written as JSON.stringify writes them.
 */

/** The order of an event's fields in canonical JSON. */
export const EVENT_KEY_ORDER: readonly (keyof SessionEvent)[] = ["seq", "timestamp", "type", "data"];

/** JSON text of `value` with every object's keys sorted: equal JSON values give equal bytes. */
export function canonicalJson(value: unknown): string {
  return write(value, undefined);
}

/** Canonical JSON of a session: its fields in SESSION_KEY_ORDER, nested objects sorted. */
export function canonicalSessionJson(session: Session): string {
  return write(session, SESSION_KEY_ORDER);
}

/** Canonical JSON of an event: seq, timestamp, type, data (data's keys sorted). */
export function canonicalEventJson(event: SessionEvent): string {
  return write(event, EVENT_KEY_ORDER);
}

function write(value: unknown, order: readonly string[] | undefined): string {
  if (value === null || typeof value !== "object") {
    // JSON.stringify's own text for scalars: -0 as 0, lone surrogates escaped, NaN as null.
    return JSON.stringify(value) ?? "null";
  }
  // A Date (a request's `expiresAt`) as its ISO text, as JSON.stringify writes it.
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + write(value[i], undefined);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  let out = "{";
  let first = true;
  for (const key of orderedKeys(object, order)) {
    const member = object[key];
    if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${write(member, undefined)}`;
    first = false;
  }
  return `${out}}`;
}

function orderedKeys(object: Record<string, unknown>, order: readonly string[] | undefined): string[] {
  const keys = Object.keys(object).sort();
  if (order === undefined) return keys;
  const known = new Set(order);
  return [...order.filter((key) => Object.hasOwn(object, key)), ...keys.filter((key) => !known.has(key))];
}
