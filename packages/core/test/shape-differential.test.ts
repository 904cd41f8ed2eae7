import { describe, expect, it } from "vitest";
import type { SessionKitError } from "../src/errors.js";
import { eventRangeShape } from "../src/read-inputs.js";
import { decodeEvent, decodeRecord } from "../src/records.js";
import { parseInput } from "../src/schemas.js";
import { parseShape } from "../src/shape.js";
import * as zodRecords from "./fixtures/zod-records.js";
import { type Allowed, disagreements, type Mutant, mutationsOf, outcome } from "./shape-mutations.js";

// The hand-written checks (shape.ts) replaced zod schemas on the read path. Each check runs beside
// the zod schema of dd4186e (test/fixtures/zod-records.ts) on every single-field mutation of valid
// inputs and on random pairs of mutations; they must agree on accept/reject, on the error code, on
// the field named and on the output, except where a difference is listed below with its reason.

const ID = "session_differential_01";
const AT = "2026-11-20T10:00:00.000Z";

const storedFull = {
  schemaVersion: 2,
  id: ID,
  userId: "u1",
  channelId: "c1",
  mode: "code",
  task: "t",
  workspace: "/w",
  status: "paused",
  createdAt: AT,
  updatedAt: AT,
  endedAt: AT,
  iterations: 3,
  maxIterations: 10,
  deadlineAt: AT,
  expiresAt: AT,
  context: { a: 1, nested: { b: [1, "x", null] } },
  result: "r",
  error: "e",
  pause: { at: AT, reason: "review" },
  metadata: { model: "m", n: 1 },
  owner: { id: "w1", host: "h", pid: 42, startedAt: AT, generation: 2 },
  leaseUntil: AT,
  operations: { op1: { digest: "d1", version: 2, result: { ok: true } }, op2: { digest: "d2", version: 3 } },
  inputRequests: [{ requestId: "r1", kind: "question", prompt: "p", payload: { options: [1, 2] } }],
  inputAnswers: { r1: { action: "answer", at: AT, value: { text: "yes" } } },
  hold: { reason: "legal", by: "ops", at: AT },
  version: 7,
  eventCount: 4,
};

const storedMinimal = {
  schemaVersion: 2,
  id: ID,
  mode: "chat",
  task: "t",
  status: "active",
  createdAt: AT,
  updatedAt: AT,
  iterations: 0,
  maxIterations: 1,
  context: {},
  version: 1,
  eventCount: 0,
};

const seedRecord = {
  id: ID,
  userId: "u1",
  channelId: "c1",
  mode: "code",
  task: "t",
  workspace: "/w",
  status: "paused",
  createdAt: "2026-11-20T10:00:00Z",
  updatedAt: AT,
  iterations: 2,
  maxIterations: 50,
  context: { pausedAt: AT, pauseReason: "lunch", keep: 1 },
  history: [
    { timestamp: AT, type: "start", data: { a: 1 } },
    { timestamp: AT, type: "note" },
  ],
  result: "r",
  error: "e",
  metadata: { m: 1 },
};

const event = { seq: 3, timestamp: AT, type: "note", data: { text: "hi", list: [1, { a: null }] } };

const fieldOf = (error: Error) => /field `([^`]*)`/.exec(error.message)?.[1] ?? "(none)";
const pathOf = (error: Error) => String((error as SessionKitError).details?.path ?? "(none)");

const inputs = (bases: unknown[], seed: number): Mutant[] => mutationsOf(bases, 600, seed);

function report(found: Array<{ label: string; how: string }>): string {
  // One line per kind of disagreement (the first input showing it), so a report stays readable.
  const seen = new Map<string, string>();
  for (const { label, how } of found) {
    const kind = `${label.replace(/ = .*| as .*| deleted.*/, "")} ${how}`;
    if (!seen.has(kind)) seen.set(kind, `${label}: ${how}`);
  }
  return [...seen.values()].join("\n");
}

/**
 * A JSON object's values are not read by the hand-written checks (they come from JSON text, which
 * has no getters); zod's record() read each, so a getter that throws threw there. Harmless: no store
 * decodes anything but JSON text, and the one caller with live objects (store-fs/compat's
 * importSession) passes the result through the import schemas, which read every value.
 */
const valuesNotRead: Allowed = {
  why: "values of a JSON object are not read",
  test: (label, how) => how === "threw → ok" && /throwing getter/.test(label),
};

/**
 * Seed records (schema 1): zod rebuilt their JSON objects (context, metadata, history data), which
 * dropped an own "__proto__" key, replaced a null prototype and flattened inherited keys away; they are
 * now kept as stored, as schema 2 records always were (dd4186e put the source objects back for those).
 */
const seedObjectsAsStored: Allowed = {
  why: "seed JSON objects kept as stored",
  test: (label, how) =>
    how === "output" && /Object\.create\(null\)|own __proto__ key|fields inherited/.test(label),
};

/**
 * inputAnswers: zod's record() skipped an own "__proto__" key without checking its value; the
 * hand-written check checks it like any answer, so junk under that key is corrupt.
 */
const answersProtoChecked: Allowed = {
  why: "an inputAnswers entry under __proto__ is checked",
  test: (label, how) => how === "ok → refused" && /^inputAnswers as own __proto__ key/.test(label),
};

describe("hand-written checks against the zod schemas they replaced", () => {
  const oldRecord = (value: unknown) => outcome(() => zodRecords.decodeRecord(value, ID, "t"), fieldOf);
  const newRecord = (value: unknown) => outcome(() => decodeRecord(value, ID, "t"), fieldOf);

  it("stored records (schema 2): decodeRecord agrees with dd4186e's zod decoding", () => {
    const mutants = inputs([storedFull, storedMinimal], 1);
    expect(mutants.length).toBeGreaterThan(4000);
    const found = disagreements(mutants, oldRecord, newRecord, [valuesNotRead, answersProtoChecked]);
    expect(report(found)).toBe("");
  });

  it("seed records (schema 1): decodeRecord agrees with dd4186e's zod decoding", () => {
    const mutants = inputs([seedRecord], 4);
    expect(mutants.length).toBeGreaterThan(1500);
    const found = disagreements(mutants, oldRecord, newRecord, [valuesNotRead, seedObjectsAsStored]);
    expect(report(found)).toBe("");
  });

  it("stored events: decodeEvent agrees with dd4186e's zod decoding", () => {
    const mutants = inputs([event], 2);
    expect(mutants.length).toBeGreaterThan(1000);
    const found = disagreements(
      mutants,
      (value) => outcome(() => zodRecords.decodeEvent(value, ID, "t"), fieldOf),
      (value) => outcome(() => decodeEvent(value, ID, "t"), fieldOf),
      [valuesNotRead],
    );
    expect(report(found)).toBe("");
  });

  it("readEvents ranges: eventRangeShape agrees with dd4186e's eventRangeSchema", () => {
    const bases = [{ fromSeq: 2, toSeq: 9, limit: 3 }, { last: 5 }, { fromSeq: Number.MAX_SAFE_INTEGER }];
    const mutants = inputs(bases, 3);
    expect(mutants.length).toBeGreaterThan(1500);
    const found = disagreements(
      mutants,
      (value) => outcome(() => parseInput(zodRecords.eventRangeSchema, value, "range", "t"), pathOf),
      (value) => outcome(() => parseShape(eventRangeShape, value, "range", "t"), pathOf),
    );
    expect(report(found)).toBe("");
  });
});
