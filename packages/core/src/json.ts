import { describeValue, SessionKitError } from "./errors.js";

/** A value that survives JSON exactly. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

const MAX_DEPTH = 200;

/** State of one copy: paths are built only for an error message (building them eagerly cost a third of a commit). */
interface Walk {
  root: string;
  component: string;
  seen: Set<object>;
  /** Keys and indexes from the root to the value being copied. */
  segments: Array<string | number>;
  /** An upper bound of the UTF-8 length of the copy's JSON text (see measureJsonObject). */
  bound: number;
}

/**
 * Copies `value` into plain JSON, the way every adapter will store it: `undefined` object
 * members are dropped (as JSON.stringify does), `-0` becomes `0`, and anything JSON cannot hold
 * exactly (functions, symbols, bigint, NaN, Infinity, Dates, Maps, class instances, cycles)
 * is refused with ERR_INVALID_INPUT naming the path. Strings are kept byte for byte, including
 * NUL and lone surrogates.
 */
export function toJsonValue(value: unknown, path = "value", component = "sessionkit"): JsonValue {
  return copy(value, newWalk(path, component), 0);
}

/** Like toJsonValue, but the value must be a plain object. */
export function toJsonObject(value: unknown, path = "value", component = "sessionkit"): JsonObject {
  return measureJsonObject(value, path, component).value;
}

/**
 * toJsonObject, plus an upper bound of the UTF-8 length of the copy's JSON text, so a size check
 * can skip serialising a payload that cannot reach the limit. A UTF-16 unit takes at most 6 bytes
 * in JSON.stringify's UTF-8 output ("\u001f", a lone surrogate "\ud800"), a number at most 25.
 */
export function measureJsonObject(
  value: unknown,
  path = "value",
  component = "sessionkit",
): { value: JsonObject; bound: number } {
  if (!isPlainObject(value)) {
    throw invalid(component, path, value, "a plain JSON object");
  }
  const walk = newWalk(path, component);
  const out = copy(value, walk, 0) as JsonObject;
  return { value: out, bound: walk.bound };
}

function newWalk(root: string, component: string): Walk {
  return { root, component, seen: new Set(), segments: [], bound: 0 };
}

function pathOf(walk: Walk): string {
  let path = walk.root;
  for (const segment of walk.segments) path += typeof segment === "number" ? `[${segment}]` : `.${segment}`;
  return path;
}

function copy(value: unknown, walk: Walk, depth: number): JsonValue {
  if (value === null) {
    walk.bound += 4;
    return null;
  }
  switch (typeof value) {
    case "string":
      walk.bound += value.length * 6 + 2;
      return value;
    case "boolean":
      walk.bound += 5;
      return value;
    case "number":
      if (!Number.isFinite(value)) throw invalid(walk.component, pathOf(walk), value, "a finite number");
      walk.bound += 25;
      return Object.is(value, -0) ? 0 : value;
    case "object":
      break;
    default:
      throw invalid(
        walk.component,
        pathOf(walk),
        value,
        "a JSON value (string, number, boolean, null, array, object)",
      );
  }
  if (depth > MAX_DEPTH)
    throw invalid(walk.component, pathOf(walk), "…", `JSON nested at most ${MAX_DEPTH} levels deep`);
  const object = value as object;
  if (walk.seen.has(object))
    throw invalid(walk.component, pathOf(walk), "[Circular]", "a JSON value without cycles");
  walk.seen.add(object);
  const segments = walk.segments;
  if (Array.isArray(object)) {
    const out: JsonValue[] = new Array(object.length);
    walk.bound += 2 + object.length;
    for (let i = 0; i < object.length; i++) {
      const item = object[i];
      segments.push(i);
      // JSON.stringify turns undefined array items into null; do the same so every adapter agrees.
      out[i] = copy(item === undefined ? null : item, walk, depth + 1);
      segments.pop();
    }
    walk.seen.delete(object);
    return out;
  }
  if (!isPlainObject(object)) {
    throw invalid(walk.component, pathOf(walk), value, "a plain object (not a Date, Map, class instance, …)");
  }
  const out: JsonObject = {};
  walk.bound += 2;
  for (const key of Object.keys(object)) {
    const member = (object as Record<string, unknown>)[key];
    if (member === undefined) continue;
    segments.push(key);
    const copied = copy(member, walk, depth + 1);
    segments.pop();
    walk.bound += key.length * 6 + 4;
    // defineProperty keeps a "__proto__" key as data instead of changing the prototype.
    if (key === "__proto__") {
      Object.defineProperty(out, key, {
        value: copied,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else out[key] = copied;
  }
  walk.seen.delete(object);
  return out;
}

/**
 * A deep copy of a value that is already plain JSON (what a store holds): no checks, a
 * "__proto__" key kept as data. Several times faster than structuredClone for JSON.
 */
export function copyJson<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyJson(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    if (key === "__proto__") {
      Object.defineProperty(out, key, {
        value: copyJson(member),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else out[key] = copyJson(member);
  }
  return out as T;
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
