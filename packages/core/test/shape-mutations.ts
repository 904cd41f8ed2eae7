import { isDeepStrictEqual } from "node:util";
import { isSessionKitError } from "../src/errors.js";

/**
 * Differential fuzzing of a hand-written check (shape.ts) against the zod schema it replaced: both
 * run on every single-field mutation of a few valid inputs (and on random pairs of mutations), and
 * every input on which they disagree (accept/reject, error code, field named, or output) is listed.
 * Shared by core's record test and the stores' option tests.
 */

/** What a parse did. */
export type Outcome =
  | { kind: "ok"; value: unknown }
  | { kind: "refused"; code: string; field: string }
  | { kind: "threw"; name: string };

/** Runs `parse`, classifying its result; `field` reads the field an error names. */
export function outcome(parse: () => unknown, field: (error: Error) => string): Outcome {
  try {
    return { kind: "ok", value: parse() };
  } catch (error) {
    if (isSessionKitError(error)) return { kind: "refused", code: error.code, field: field(error) };
    return { kind: "threw", name: (error as Error)?.constructor?.name ?? typeof error };
  }
}

/** One generated input: what was done to which base, and the value. */
export interface Mutant {
  label: string;
  value: unknown;
}

type Path = Array<string | number>;

const HUGE = "x".repeat(1 << 20);

class Thing {
  constructor(fields: object) {
    Object.assign(this, fields);
  }
}

/** Hostile objects the generator itself must not walk into. */
const opaque = new WeakSet<object>();
const mark = <T extends object>(value: T): T => {
  opaque.add(value);
  return value;
};

function throwingProxy(): object {
  return mark(
    new Proxy(
      {},
      {
        get() {
          throw new Error("trap: get");
        },
        has() {
          throw new Error("trap: has");
        },
        ownKeys() {
          throw new Error("trap: ownKeys");
        },
      },
    ),
  );
}

function throwingGetter(): object {
  return mark(
    Object.defineProperty({}, "boom", {
      enumerable: true,
      get() {
        throw new Error("getter");
      },
    }),
  );
}

/** Values put in place of a field: wrong types, edge numbers, hostile objects. */
export function hostileValues(): Array<[string, unknown]> {
  return [
    ["0", 0],
    ["-0", -0],
    ["1", 1],
    ["-1", -1],
    ["1.5", 1.5],
    ["2^53", 2 ** 53],
    ["2^53-1", 2 ** 53 - 1],
    ["-2^53", -(2 ** 53)],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["1e308", 1e308],
    ["empty string", ""],
    ["'x'", "x"],
    ["1 MiB string", HUGE],
    ["iso string", "2026-11-20T10:00:00.000Z"],
    ["date-only string", "2026-11-20"],
    ["non-date string", "yesterday"],
    ["other id", "session_other_id"],
    ["true", true],
    ["false", false],
    ["null", null],
    ["undefined", undefined],
    ["[]", []],
    ["[1]", [1]],
    ["sparse array", Object.assign(new Array(2), { 1: 1 })],
    ["{}", {}],
    ["Object.create(null)", Object.create(null)],
    ["Date", new Date(0)],
    ["boxed string", new String("x")],
    ["boxed number", new Number(1)],
    ["boxed boolean", new Boolean(true)],
    ["bigint", 1n],
    ["symbol", Symbol("s")],
    ["function", () => 1],
    ["Map", new Map([["a", 1]])],
    ["class instance", new Thing({ a: 1 })],
    ["throwing proxy", throwingProxy()],
    ["throwing getter", throwingGetter()],
  ];
}

/** Copies of an object that a JSON-minded check may treat differently from the object itself. */
function containerVariants(value: object): Array<[string, unknown]> {
  if (Array.isArray(value)) {
    const sparse = [...value];
    sparse.length += 1;
    const withProp = Object.assign([...value], { extra: 1 });
    return [
      ["sparse (hole at end)", sparse],
      ["with an own non-index key", withProp],
      ["Proxy", new Proxy([...value], {})],
      ["frozen", Object.freeze([...value])],
    ];
  }
  const fields = value as Record<string, unknown>;
  const getters = {};
  for (const key of Object.keys(fields))
    Object.defineProperty(getters, key, { enumerable: true, get: () => fields[key] });
  const proto = Object.create(fields);
  return [
    ["Object.create(null) copy", Object.assign(Object.create(null), fields)],
    ["Proxy", new Proxy({ ...fields }, {})],
    ["getters", getters],
    ["frozen", Object.freeze({ ...fields })],
    ["Date with the fields", Object.assign(new Date(0), fields)],
    ["boxed string with the fields", Object.assign(new String("s"), fields)],
    ["class instance", new Thing(fields)],
    ["Map with the fields", Object.assign(new Map(), fields)],
    ["fields inherited", proto],
    ["fields inherited plus an inherited unknown key", Object.create({ ...fields, junkKey: 1 })],
    ["own __proto__ key", Object.assign(JSON.parse('{"__proto__":{"x":1}}'), fields)],
    ["own constructor key", { ...fields, constructor: 1 }],
    ["own toString key", { ...fields, toString: "x" }],
    ["an extra key", { ...fields, extraKey: 1 }],
    ["an extra key holding undefined", { ...fields, extraKey: undefined }],
    ["a symbol key", { ...fields, [Symbol("k")]: 1 }],
    ["a non-enumerable extra key", Object.defineProperty({ ...fields }, "hidden", { value: 1 })],
  ];
}

const isData = (value: unknown): value is object =>
  value !== null &&
  typeof value === "object" &&
  !opaque.has(value) &&
  (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype);

function paths(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (isData(value))
    for (const key of Object.keys(value)) paths((value as Record<string, unknown>)[key], [...at, key], out);
  return out;
}

function structured(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(structured);
  if (isData(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = structured(item);
    return out;
  }
  return value;
}

/** `base` with the value at `path` replaced (`remove`: deleted); the root replaced when path is []. */
function setAt(base: unknown, path: Path, replace: (old: unknown) => unknown, remove = false): unknown {
  if (path.length === 0) return replace(base);
  const root = structured(base) as Record<string | number, unknown>;
  let parent = root;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) delete parent[last];
  else parent[last] = replace(parent[last]);
  return root;
}

function valueAt(base: unknown, path: Path): unknown {
  let value = base;
  for (const key of path) value = (value as Record<string | number, unknown>)[key];
  return value;
}

/** Every single-field mutation of `base`: each hostile value at each path, deletions, container copies. */
export function singleMutations(base: unknown): Mutant[] {
  const out: Mutant[] = [];
  for (const path of paths(base)) {
    const where = path.join(".") || "(root)";
    for (const [name, value] of hostileValues())
      out.push({ label: `${where} = ${name}`, value: setAt(base, path, () => value) });
    if (path.length > 0) out.push({ label: `${where} deleted`, value: setAt(base, path, () => 0, true) });
    const current = valueAt(base, path);
    if (current !== null && typeof current === "object")
      for (const [name, variant] of containerVariants(current))
        out.push({ label: `${where} as ${name}`, value: setAt(base, path, () => variant) });
  }
  return out;
}

/** A small seeded generator (mulberry32), so a failure names an input that can be re-run. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` inputs with two mutations each, at random paths, from a seeded generator. */
export function pairedMutations(base: unknown, count: number, seed: number): Mutant[] {
  const next = random(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!;
  const values = hostileValues();
  const out: Mutant[] = [];
  for (let i = 0; i < count; i++) {
    let value = base;
    const labels: string[] = [];
    for (let step = 0; step < 2; step++) {
      const path = pick(paths(value).filter((p) => p.length > 0));
      if (!path) break;
      const [name, replacement] = next() < 0.15 ? ["deleted", undefined] : pick(values);
      value = setAt(value, path, () => replacement, name === "deleted");
      labels.push(`${path.join(".")} ${name === "deleted" ? "deleted" : `= ${name}`}`);
    }
    out.push({ label: labels.join(", "), value });
  }
  return out;
}

/** Drops own keys whose value is undefined, at every depth of plain data (JSON cannot tell them apart). */
function withoutUndefined(value: unknown): unknown {
  if (!isData(value)) return value;
  if (Array.isArray(value)) return value.map(withoutUndefined);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    // defineProperty, not assignment: an own "__proto__" key must stay a key.
    if (item !== undefined)
      Object.defineProperty(out, key, { value: withoutUndefined(item), enumerable: true, writable: true });
  }
  return out;
}

/** How two outcomes differ, or null when a caller could not tell them apart. */
export function difference(old: Outcome, now: Outcome): string | null {
  if (old.kind !== now.kind) return `${old.kind} → ${now.kind}`;
  if (old.kind === "refused" && now.kind === "refused") {
    if (old.code !== now.code) return `code ${old.code} → ${now.code}`;
    if (old.field !== now.field) return `field ${old.field} → ${now.field}`;
    return null;
  }
  if (old.kind === "ok" && now.kind === "ok") {
    if (!isDeepStrictEqual(withoutUndefined(old.value), withoutUndefined(now.value))) return "output";
  }
  return null;
}

/** A difference the hand-written check is allowed to make, and why it is right. */
export interface Allowed {
  why: string;
  test: (label: string, how: string) => boolean;
}

/**
 * Allowed everywhere. zod reports unknown keys at the object that holds them (`options`); the
 * hand-written checks name the key itself (`options.extraKey`), which says more. And where zod let a
 * raw error escape (a Proxy trap or getter that throws, a symbol key its message could not print), a
 * typed error is what the contract asks for.
 */
export const ALWAYS_ALLOWED: Allowed[] = [
  {
    why: "the unknown key is named",
    test: (_label, how) => {
      const named = /^field (\S+) → (\S+)$/.exec(how);
      if (!named) return false;
      const [, outer, inner] = named as unknown as [string, string, string];
      return inner.startsWith(`${outer}.`) && !inner.slice(outer.length + 1).includes(".");
    },
  },
  { why: "a raw error became a typed one", test: (_label, how) => how === "threw → refused" },
];

/** Every single-field mutation of each base, plus `pairs` random pairs per base (seeded `seed + index`). */
export function mutationsOf(bases: unknown[], pairs: number, seed: number): Mutant[] {
  return bases.flatMap((base, index) => [
    ...singleMutations(base),
    ...pairedMutations(base, pairs, seed + index),
  ]);
}

/** Disagreements as lines for an `expect(…).toEqual([])`: the first 30, label and difference. */
export function shown(found: Array<{ label: string; how: string }>): string[] {
  return found.map(({ label, how }) => `${label}: ${how}`).slice(0, 30);
}

/** Runs both parsers on every mutant; returns the disagreements that no `allowed` rule covers. */
export function disagreements(
  mutants: Mutant[],
  old: (value: unknown) => Outcome,
  now: (value: unknown) => Outcome,
  allowed: Allowed[] = [],
): Array<{ label: string; how: string }> {
  const rules = [...ALWAYS_ALLOWED, ...allowed];
  const out: Array<{ label: string; how: string }> = [];
  for (const mutant of mutants) {
    const how = difference(old(mutant.value), now(mutant.value));
    if (how && !rules.some((rule) => rule.test(mutant.label, how))) out.push({ label: mutant.label, how });
  }
  return out;
}
