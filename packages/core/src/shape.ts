import { describeValue, SessionKitError } from "./errors.js";

/**
 * Hand-written checks for the read path and for store options, with no zod.
 *
 * Why not zod here: every `sessionkit list` or `stats` is a fresh process, and loading zod is 95 of
 * the 105 modules such a run loads: ~52 ms of CPU to import and ~25 ms more to build core's schemas,
 * against ~50 ms for `node -e 0` itself (measured under load 18 on the bench machine). Reads decode
 * stored records and open a store; neither needs zod's expressiveness, so they use these checks, and
 * the write schemas (schemas.ts) load zod on first use (zod-lazy.ts).
 *
 * A shape is a function: it returns the value it accepts (a copy for objects that strip or fill
 * defaults, the value itself otherwise) and throws a ShapeIssue naming the path and what it expected.
 * The path is built only on failure, so a record that fits costs no string work.
 */
export type Shape<T = unknown> = (value: unknown) => T;

/** A field of an object shape: a shape, optionally marked optional or given a default. */
interface FieldShape<T = unknown> extends Shape<T> {
  optional?: true;
  fallback?: { value: unknown };
}

/**
 * The brand every ShapeIssue carries, registered so that it is the same symbol in every installed
 * copy of core (as SessionKitError's, errors.ts): an adapter may build its shapes with `is` from its
 * own copy of `@sessionkit/core/driver` and have them parsed by another copy's parseShape, whose
 * `instanceof ShapeIssue` must still recognise the failure instead of letting it escape raw.
 */
const BRAND: unique symbol = Symbol.for("sessionkit.shape-issue") as never;

/** Why a value does not fit, and where (path segments from the root). */
export class ShapeIssue extends Error {
  /** Marks the issue as a ShapeIssue across copies of core (see the brand above). */
  readonly [BRAND] = true;

  /** `instanceof ShapeIssue` holds for issues made by any installed copy of core. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (value === null || typeof value !== "object") return false;
    try {
      return (
        (value as { [BRAND]?: unknown })[BRAND] === true && Array.isArray((value as { path?: unknown }).path)
      );
    } catch {
      return false; // a thrown Proxy whose traps throw: not ours, whatever it is
    }
  }

  constructor(
    readonly expected: string,
    readonly found: unknown,
    readonly path: (string | number)[] = [],
    cause?: unknown,
  ) {
    super(`expected ${expected}`, cause === undefined ? undefined : { cause });
  }

  /** The path as `a.b.0.c` ("" at the root). */
  get where(): string {
    return this.path.join(".");
  }
}

const fail = (expected: string, found: unknown): never => {
  throw new ShapeIssue(expected, found);
};

/**
 * A value whose reading threw (a getter, a Proxy trap) as a ShapeIssue at `path`, so a caller gets
 * its typed error naming the field instead of whatever the getter threw. `found` stays undefined:
 * describing the value would read it again.
 */
function unreadable(error: unknown, path: (string | number)[]): ShapeIssue {
  if (error instanceof ShapeIssue) return error;
  return new ShapeIssue(
    `a readable value (reading it threw: ${thrownReason(error)})`,
    undefined,
    path,
    error,
  );
}

/** What a getter threw, in words; a thrown value that cannot even be described (a Proxy whose traps throw) is named so. */
function thrownReason(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "a value that cannot be described";
  }
}

/** `value[key]`, a throwing getter or Proxy trap reported as a ShapeIssue at `key`. */
function read(value: Record<string | number, unknown>, key: string | number): unknown {
  try {
    return value[key];
  } catch (error) {
    throw unreadable(error, [key]);
  }
}

/** Runs `shape` on a child value, prefixing a failure's path with `key`. */
function within<T>(key: string | number, shape: Shape<T>, value: unknown): T {
  try {
    return shape(value);
  } catch (error) {
    if (error instanceof ShapeIssue) {
      error.path.unshift(key);
      throw error;
    }
    throw unreadable(error, [key]);
  }
}

/** `shape(value)`, anything thrown while reading the value turned into a ShapeIssue. */
export function checkShape<T>(shape: Shape<T>, value: unknown): T {
  try {
    return shape(value);
  } catch (error) {
    throw unreadable(error, []);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * What zod's record() accepted as a JSON object: an object whose constructor (if a function) is an
 * Object of some realm, so a Date, Map, boxed value or class instance is refused (spread into a copy
 * they lose their content silently), and with no symbol keys (JSON has none). JSON.parse output
 * always passes, own "constructor" keys and null prototypes included.
 */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const ctor = value.constructor;
  if (typeof ctor === "function") {
    const prototype: unknown = ctor.prototype;
    if (prototype === null || typeof prototype !== "object" || !Object.hasOwn(prototype, "isPrototypeOf"))
      return false;
  }
  return Object.getOwnPropertySymbols(value).length === 0;
}

/** A default's own copy for each use (as zod's default() copies): a shared {} would leak edits. */
const fresh = <T>(value: T): T =>
  Array.isArray(value)
    ? ([...value] as T)
    : value !== null && typeof value === "object"
      ? ({ ...value } as T)
      : value;

interface Bounds {
  min?: number;
  max?: number;
}

function bounded(n: number, { min, max }: Bounds, what: string, found: unknown): void {
  if (min !== undefined && n < min) fail(`${what} ≥ ${min}`, found);
  if (max !== undefined && n > max) fail(`${what} ≤ ${max}`, found);
}

/** The checks, by name; each returns a shape. */
export const is = {
  string:
    (bounds: Bounds & { pattern?: RegExp } = {}): Shape<string> =>
    (value) => {
      if (typeof value !== "string") return fail("a string", value);
      bounded(value.length, bounds, "a string of length", value);
      if (bounds.pattern && !bounds.pattern.test(value)) fail(`a string matching ${bounds.pattern}`, value);
      return value;
    },
  int:
    (bounds: Bounds = {}): Shape<number> =>
    (value) => {
      // Safe integers only, as zod's int(): 2^53 and beyond cannot be told from their neighbours.
      if (!Number.isSafeInteger(value)) return fail("a safe integer", value);
      bounded(value as number, bounds, "an integer", value);
      return value as number;
    },
  /** A finite number, as zod's number(): NaN and ±Infinity (JSON's 1e999) are refused. */
  number: (): Shape<number> => (value) =>
    typeof value === "number" && Number.isFinite(value) ? value : fail("a finite number", value),
  boolean: (): Shape<boolean> => (value) => (typeof value === "boolean" ? value : fail("a boolean", value)),
  literal:
    <T>(expected: T): Shape<T> =>
    (value) =>
      value === expected ? expected : fail(JSON.stringify(expected), value),
  oneOf: <const T extends readonly string[]>(values: T): Shape<T[number]> => {
    const allowed = new Set<unknown>(values);
    return (value) => (allowed.has(value) ? (value as T[number]) : fail(`one of ${values.join("|")}`, value));
  },
  /** ISO-8601 text that Date.parse reads. */
  timestamp: (): Shape<string> => (value) =>
    typeof value === "string" && !Number.isNaN(Date.parse(value))
      ? value
      : fail("an ISO-8601 timestamp", value),
  /**
   * A JSON object, returned as stored (not copied: a key named "__proto__" stays an own key). Its
   * values are not read: a decoded record's come from JSON text, and the write schemas check them.
   */
  jsonObject: (): Shape<Record<string, unknown>> => (value) =>
    isJsonObject(value) ? value : fail("a JSON object", value),
  custom:
    <T>(test: (value: unknown) => boolean, expected: string): Shape<T> =>
    (value) =>
      test(value) ? (value as T) : fail(expected, value),
  array:
    <T>(item: Shape<T>, bounds: Bounds = {}): Shape<T[]> =>
    (value) => {
      if (!Array.isArray(value)) return fail("an array", value);
      bounded(value.length, bounds, "an array of length", value);
      const out = new Array<T>(value.length);
      for (let i = 0; i < value.length; i++)
        out[i] = within(i, item, read(value as unknown as Record<number, unknown>, i));
      return out;
    },
  /** An object whose every value fits `item`; returned as stored. */
  record:
    <T>(item: Shape<T>): Shape<Record<string, T>> =>
    (value) => {
      if (!isJsonObject(value)) return fail("a JSON object", value);
      for (const key of Object.keys(value)) within(key, item, read(value, key));
      return value as Record<string, T>;
    },
  /**
   * An object of known fields. "strip" copies the known fields (unknown ones are dropped), "strict"
   * refuses unknown fields, "loose" checks the known fields and returns the value as stored. Absent
   * optional fields stay absent; a field with a default gets it when absent or undefined. Like zod's
   * strictObject, "strict" walks the keys with for…in (an inherited enumerable key is unknown too)
   * and never reads an unknown key's value (its getter may throw).
   */
  object: <T>(fields: Record<string, FieldShape>, mode: "strip" | "strict" | "loose" = "strip"): Shape<T> => {
    const entries = Object.entries(fields);
    return (value) => {
      if (!isObject(value)) return fail("an object", value);
      const out: Record<string, unknown> = {};
      for (const [key, shape] of entries) {
        const found = read(value, key);
        if (found === undefined) {
          if (shape.fallback) out[key] = fresh(shape.fallback.value);
          else if (!shape.optional) within(key, shape, found);
          continue;
        }
        out[key] = within(key, shape, found);
      }
      // After the known fields, as zod reports them: a bad value is named before an unknown key.
      if (mode === "strict") {
        for (const key in value)
          if (!Object.hasOwn(fields, key)) throw new ShapeIssue("no such option", key, [key]);
      }
      return (mode === "loose" ? value : out) as T;
    };
  },
};

/** `shape`, absent allowed. */
export function optional<T>(shape: Shape<T>): FieldShape<T | undefined> {
  const field: FieldShape<T | undefined> = (value) => shape(value);
  field.optional = true;
  return field;
}

/** `shape`, with `value` when absent. */
export function withDefault<T>(shape: Shape<T>, value: T): FieldShape<T> {
  const field: FieldShape<T> = (found) => shape(found);
  field.fallback = { value };
  return field;
}

/**
 * Checks `value` against `shape` at a public boundary: ERR_INVALID_INPUT (ERR_INVALID_ID for an
 * `id`) naming the field, what it expected and what it got, in the words of parseInput (schemas.ts).
 */
export function parseShape<T>(shape: Shape<T>, value: unknown, what: string, component: string): T {
  try {
    return checkShape(shape, value);
  } catch (error) {
    if (!(error instanceof ShapeIssue)) throw error;
    const path = error.path.length > 0 ? `${what}.${error.where}` : what;
    throw new SessionKitError(
      path.endsWith(".id") ? "ERR_INVALID_ID" : "ERR_INVALID_INPUT",
      `[${component}] Expected \`${path}\` to be valid (${error.message}), got ${describeValue(error.found)}. Fix the value and retry.`,
      error.cause === undefined ? { details: { path } } : { details: { path }, cause: error.cause },
    );
  }
}
