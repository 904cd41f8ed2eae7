import { DEFAULT_MAX_PAYLOAD_BYTES, SessionKitError } from "@sessionkit/core/driver";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type Allowed, disagreements, mutationsOf, outcome, shown } from "../../core/test/shape-mutations.js";
import { parseFsStoreOptions } from "../src/options.js";

// createFsStore's options were parsed by a zod schema until fa338b0 and by shape.ts since; this is
// dd4186e's schema and parser, run beside the new parser on every single-field mutation of valid
// options (and random pairs): they must agree on accept/reject, the field named and the output.
const clock = z.custom(
  (value) =>
    typeof value === "object" && value !== null && typeof (value as { now?: unknown }).now === "function",
);
const zodOptions = z.strictObject({
  dir: z.string().min(1),
  durability: z.enum(["fsync", "none"]).default("fsync"),
  lockStaleMs: z.number().int().min(100).max(600_000).default(10_000),
  lockTimeoutMs: z.number().int().min(0).max(3_600_000).default(30_000),
  clock: clock.optional(),
  maxPayloadBytes: z
    .number()
    .int()
    .min(1024)
    .max(512 * 1024 * 1024)
    .default(DEFAULT_MAX_PAYLOAD_BYTES),
  checkpointEvery: z.number().int().min(1).max(10_000).default(32),
});

function zodParse(options: unknown) {
  const parsed = zodOptions.safeParse(options);
  if (parsed.success) return parsed.data;
  const field = parsed.error.issues[0]?.path.join(".") || "options";
  throw new SessionKitError("ERR_INVALID_INPUT", "[store-fs] invalid", { details: { field } });
}

const fieldOf = (error: Error) => String((error as SessionKitError).details.field);

/** zod said `options` for an unknown key; the key itself is named now. */
const namesUnknownKey: Allowed = {
  why: "the unknown key is named",
  test: (_label, how) => /^field options → [^.\s]+$/.test(how),
};

describe("createFsStore options: the hand-written parser against dd4186e's zod schema", () => {
  it("agrees on thousands of mutated options", () => {
    const bases = [
      { dir: "/tmp/sessions" },
      {
        dir: "/tmp/sessions",
        durability: "none",
        lockStaleMs: 2000,
        lockTimeoutMs: 0,
        clock: { now: () => new Date(0) },
        maxPayloadBytes: 2048,
        checkpointEvery: 1,
      },
    ];
    const mutants = mutationsOf(bases, 1000, 10);
    expect(mutants.length).toBeGreaterThan(2000);
    const found = disagreements(
      mutants,
      (value) => outcome(() => zodParse(value), fieldOf),
      (value) => outcome(() => parseFsStoreOptions(value), fieldOf),
      [namesUnknownKey],
    );
    expect(shown(found)).toEqual([]);
  });
});
