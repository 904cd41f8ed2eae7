import { describeValue, SessionKitError } from "./errors.js";

/** A value that survives JSON exactly. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

const MAX_DEPTH = 200;

/**
 * Copies `value` into plain JSON, the way every adapter will store it: `undefined` object
 * members are dropped (as JSON.stringify does), `-0` becomes `0`, and anything JSON cannot hold
 * exactly (functions, symbols, bigint, NaN, Infinity, Dates, Maps, class instances, cycles)
 * is refused with ERR_INVALID_INPUT naming the path. Strings are kept byte for byte, including
 * NUL and lone surrogates.
 */
export function toJsonValue(value: unknown, path = "value", component = "sessionkit"): JsonValue {
  return copy(value, path, component, new Set(), 0);
}

/** Like toJsonValue, but the value must be a plain object. */
export function toJsonObject(value: unknown, path = "value", component = "sessionkit"): JsonObject {
  if (!isPlainObject(value)) {
    throw invalid(component, path, value, "a plain JSON object");
  }
  return copy(value, path, component, new Set(), 0) as JsonObject;
}

function copy(value: unknown, path: string, component: string, seen: Set<object>, depth: number): JsonValue {
  if (value === null) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw invalid(component, path, value, "a finite number");
      return Object.is(value, -0) ? 0 : value;
    case "object":
      break;
    default:
      throw invalid(component, path, value, "a JSON value (string, number, boolean, null, array, object)");
  }
  if (depth > MAX_DEPTH) throw invalid(component, path, "…", `JSON nested at most ${MAX_DEPTH} levels deep`);
  const object = value as object;
  if (seen.has(object)) throw invalid(component, path, "[Circular]", "a JSON value without cycles");
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      const out: JsonValue[] = new Array(object.length);
      for (let i = 0; i < object.length; i++) {
        const item = object[i];
        // JSON.stringify turns undefined array items into null; do the same so every adapter agrees.
        out[i] = item === undefined ? null : copy(item, `${path}[${i}]`, component, seen, depth + 1);
      }
      return out;
    }
    if (!isPlainObject(object)) {
      throw invalid(component, path, value, "a plain object (not a Date, Map, class instance, …)");
    }
    const out: JsonObject = {};
    for (const key of Object.keys(object)) {
      const member = (object as Record<string, unknown>)[key];
      if (member === undefined) continue;
      const copied = copy(member, `${path}.${key}`, component, seen, depth + 1);
      // defineProperty keeps a "__proto__" key as data instead of changing the prototype.
      Object.defineProperty(out, key, {
        value: copied,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

/** True for `{}`-literal-like objects (prototype Object.prototype or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function invalid(component: string, path: string, value: unknown, what: string): SessionKitError {
  return new SessionKitError(
    "ERR_INVALID_INPUT",
    `[${component}] Expected \`${path}\` to be ${what}, got ${describeValue(value)}. Convert it to plain JSON first.`,
    { details: { path } },
  );
}

/** UTF-8 byte length of the JSON text of `value` (what every adapter stores). */
export function jsonByteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

/** Deep equality of two JSON values (key order ignored). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}
