import { parseInput } from "@sessionkit/core/driver";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Allowed,
  disagreements,
  type Mutant,
  mutationsOf,
  outcome,
  shown,
} from "../../core/test/shape-mutations.js";
import {
  type PostgresConnection,
  type PostgresStoreOptions,
  parseOptions,
  SCHEMA_NAME_PATTERN,
} from "../src/options.js";

// createPostgresStore's two arguments were parsed by zod until fa338b0 and by shape.ts since; these
// are dd4186e's schemas, run beside the new parser on every single-field mutation of valid
// arguments (and random pairs): they must agree on accept/reject, the field named and the output.
const isPoolLike = (value: unknown) =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as Record<string, unknown>).query === "function" &&
  typeof (value as Record<string, unknown>).connect === "function";
const zodConnection = z.union([
  z.strictObject({
    connectionString: z.string().min(1),
    max: z.number().int().min(1).max(1000).optional(),
    connectionTimeoutMillis: z.number().int().min(0).optional(),
  }),
  z.strictObject({ pool: z.custom(isPoolLike) }),
]);
const zodOptions = z.strictObject({
  schema: z.string().regex(SCHEMA_NAME_PATTERN).optional(),
  clock: z.custom((value) => typeof (value as { now?: unknown } | null)?.now === "function").optional(),
  maxPayloadBytes: z.number().int().min(1).optional(),
  migrate: z.boolean().optional(),
  prepare: z.boolean().optional(),
  changeLog: z.strictObject({ maxLength: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).optional(),
  watch: z
    .strictObject({
      notify: z.boolean().optional(),
      pollMs: z.number().int().min(5).max(60_000).optional(),
      onWarning: z.custom((value) => typeof value === "function").optional(),
    })
    .optional(),
});

const pathOf = (error: Error) => String((error as { details?: { path?: unknown } }).details?.path);
const pool = { query: () => undefined, connect: () => undefined };
const OPTIONS = {
  schema: "sk_1",
  clock: { now: () => new Date(0) },
  maxPayloadBytes: 1,
  migrate: false,
  prepare: true,
  changeLog: { maxLength: 3 },
  watch: { notify: false, pollMs: 5, onWarning: () => undefined },
};

/**
 * zod named a union's failure at the connection itself (`connection`) or an unknown key at the
 * object that holds it; the hand-written parser checks the branch the connection names and names
 * the field or key at fault, which says more.
 */
const namesTheField: Allowed = {
  why: "the field at fault is named",
  test: (_label, how) => /^field (connection|options)(\.\S+)? → \1\.\S+$/.test(how),
};

function run(mutants: Mutant[], pick: (value: unknown) => [unknown, unknown]) {
  return disagreements(
    mutants,
    (value) =>
      outcome(() => {
        const [connection, options] = pick(value);
        return {
          connection: parseInput(zodConnection, connection, "connection", "store-postgres"),
          options: parseInput(zodOptions, options ?? {}, "options", "store-postgres"),
        };
      }, pathOf),
    (value) =>
      outcome(() => {
        const [connection, options] = pick(value);
        return parseOptions(
          connection as PostgresConnection,
          options as PostgresStoreOptions,
          "store-postgres",
        );
      }, pathOf),
    [namesTheField],
  );
}

describe("createPostgresStore arguments: the hand-written parser against dd4186e's zod schemas", () => {
  it("the connection: agrees on thousands of mutated connections", () => {
    const bases = [{ connectionString: "postgres://u@h/db", max: 5, connectionTimeoutMillis: 0 }, { pool }];
    const mutants = mutationsOf(bases, 800, 30);
    expect(mutants.length).toBeGreaterThan(1500);
    const found = run(mutants, (value) => [value, {}]);
    expect(shown(found)).toEqual([]);
  });

  it("the options: agree on thousands of mutated options", () => {
    const bases = [{}, OPTIONS];
    const mutants = mutationsOf(bases, 800, 40);
    expect(mutants.length).toBeGreaterThan(2000);
    const found = run(mutants, (value) => [{ connectionString: "postgres://u@h/db" }, value]);
    expect(shown(found)).toEqual([]);
  });
});
