import { DEFAULT_MAX_PAYLOAD_BYTES, parseInput } from "@sessionkit/core/driver";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type Allowed, disagreements, mutationsOf, outcome, shown } from "../../core/test/shape-mutations.js";
import { parseSqliteOptions } from "../src/options.js";

// createSqliteStore's options were a zod union until fa338b0 and are checked by shape.ts since;
// this is dd4186e's schema, run beside the new parser on every single-field mutation of valid
// options (and random pairs): they must agree on accept/reject, the field named and the output.
const isDatabase = (value: unknown) =>
  typeof value === "object" &&
  value !== null &&
  ["prepare", "exec", "pragma"].every(
    (name) => typeof (value as Record<string, unknown>)[name] === "function",
  );
const isClock = (value: unknown) =>
  typeof value === "object" && value !== null && typeof (value as { now?: unknown }).now === "function";
const common = {
  clock: z.custom(isClock).optional(),
  busyTimeoutMs: z.number().int().min(0).max(600_000).default(5_000),
  synchronous: z.enum(["normal", "full"]).default("normal"),
  maxPayloadBytes: z.number().int().min(1024).default(DEFAULT_MAX_PAYLOAD_BYTES),
  changeLog: z.strictObject({ maxLength: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).optional(),
};
const zodOptions = z.union([
  z.strictObject({ filename: z.string().min(1), ...common }),
  z.strictObject({ database: z.custom(isDatabase), ...common }),
]);

/** dd4186e's parseSqliteOptions, which named the first issue of the union's first branch. */
function zodParse(options: unknown) {
  const parsed = zodOptions.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const deepest = issue?.code === "invalid_union" ? (issue.errors[0]?.[0] ?? issue) : issue;
  const path = deepest?.path.join(".") || "options";
  return parseInput(z.never(), undefined, path, "store-sqlite");
}

const pathOf = (error: Error) => String((error as { details?: { path?: unknown } }).details?.path);
const database = { prepare: () => undefined, exec: () => undefined, pragma: () => undefined };

/**
 * For { database } options zod named the first issue of the union's first branch, { filename }:
 * "filename" (missing) or the database key (unknown there), whatever was really wrong. The
 * hand-written parser checks the branch the options name and names the field at fault.
 */
const namesTheRightBranch: Allowed = {
  why: "the field of the branch the options chose is named",
  test: (_label, how) => /^field (filename|database) → /.test(how),
};
/** zod said `options` for an unknown key; the key is named now. */
const namesUnknownKey: Allowed = {
  why: "the unknown key is named",
  test: (_label, how) => /^field options → [^.\s]+$/.test(how),
};

describe("createSqliteStore options: the hand-written parser against dd4186e's zod union", () => {
  it("agrees on thousands of mutated options", () => {
    const bases = [
      { filename: ":memory:" },
      {
        database,
        clock: { now: () => new Date(0) },
        busyTimeoutMs: 0,
        synchronous: "full",
        maxPayloadBytes: 1024,
        changeLog: { maxLength: Number.MAX_SAFE_INTEGER },
      },
    ];
    const mutants = mutationsOf(bases, 1000, 20);
    expect(mutants.length).toBeGreaterThan(2000);
    const found = disagreements(
      mutants,
      (value) => outcome(() => zodParse(value), pathOf),
      (value) => outcome(() => parseSqliteOptions(value), pathOf),
      [namesTheRightBranch, namesUnknownKey],
    );
    expect(shown(found)).toEqual([]);
  });
});
