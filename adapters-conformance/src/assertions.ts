import assert from "node:assert/strict";
import { type CreateSessionInput, ERROR_CODES, type SessionStore } from "@sessionkit/core";

/** The one timestamp shape every method returns: ISO-8601 UTC with milliseconds. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const KNOWN = new Set<string>(ERROR_CODES);

/** The error's code, when it is a typed sessionkit error (compared by `code`: the adapter may have its own copy of core). */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && KNOWN.has(code) ? code : undefined;
}

/** Asserts that `action` rejects (or throws) with a sessionkit error of `code`; returns the error. */
export async function expectCode(
  action: Promise<unknown> | (() => unknown),
  code: string,
  what: string,
): Promise<Error & { code: string }> {
  let outcome: unknown;
  try {
    outcome = await (typeof action === "function" ? action() : action);
  } catch (error) {
    const actual = (error as { code?: unknown } | null)?.code;
    assert.equal(
      actual,
      code,
      `${what}: expected a rejection with code ${code}, got ${String(actual)} (${(error as Error)?.name}: ${(error as Error)?.message})`,
    );
    return error as Error & { code: string };
  }
  assert.fail(`${what}: expected a rejection with code ${code}, but it resolved with ${preview(outcome)}`);
}

/** Asserts the error is a typed sessionkit error (a raw driver error would fail here). */
export function assertTyped(error: unknown, what: string): asserts error is Error & { code: string } {
  assert.ok(
    codeOf(error) !== undefined,
    `${what}: a raw error escaped: ${(error as Error)?.name} ${String((error as { code?: unknown })?.code)} ${(error as Error)?.message}`,
  );
}

/** Short text of a value for messages. */
export function preview(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 120)}…` : text;
  } catch {
    return String(value);
  }
}

/** The ISO time of an epoch-ms number. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A minimal valid create input, with overrides. */
export function input(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return { mode: "chat", task: "conformance", ...overrides };
}

let counter = 0;
/** A fresh, valid, unique session id (the suite uses explicit ids so runs are comparable). */
export function freshId(label = "c"): string {
  counter += 1;
  return `session_${label}${counter.toString(36)}x${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/** Every page of a list walk with `limit`, checking that the last page and only it has no cursor. */
export async function walk(
  store: Pick<SessionStore, "list">,
  query: Record<string, unknown>,
  limit: number,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Awaited<ReturnType<SessionStore["list"]>> = await store.list({ ...query, limit, cursor });
    pages += 1;
    assert.ok(page.items.length <= limit, `a page of limit ${limit} returned ${page.items.length} items`);
    if (page.nextCursor !== null)
      assert.equal(page.items.length, limit, "a page with a nextCursor must be full");
    for (const item of page.items) ids.push(item.id);
    cursor = page.nextCursor;
    assert.ok(pages < 100_000, "list walk did not end");
  } while (cursor !== null);
  return { ids, pages };
}

/** mulberry32: a small seeded PRNG, so generated workloads are reproducible. */
export function createPrng(seed: number): {
  next(): number;
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
} {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** Asserts `actual` is `expected` (strict, Object.is); the message names what was checked and both values. */
export function expectEqual<T>(actual: unknown, expected: T, what: string): asserts actual is T {
  if (!Object.is(actual, expected))
    assert.fail(`${what}: expected ${preview(expected)}, got ${preview(actual)}`);
}

/** Asserts deep strict equality; the message names what was checked, then node's diff of the two values. */
export function expectDeepEqual<T>(actual: unknown, expected: T, what: string): asserts actual is T {
  try {
    assert.deepStrictEqual(actual, expected);
  } catch (error) {
    if (!(error instanceof assert.AssertionError)) throw error;
    error.message = `${what}: expected ${preview(expected)}, got ${preview(actual)}\n${error.message}`;
    throw error;
  }
}
