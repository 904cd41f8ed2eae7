import { describe, expect, it } from "vitest";
import { decodeEvent, decodeRecord, parseShape } from "../src/driver-entry.js";
import { createMemoryStore, isSessionKitError } from "../src/index.js";
import { eventRangeShape } from "../src/read-inputs.js";

// Inputs on which the hand-written checks (shape.ts) disagreed with the zod schemas they replaced,
// found by shape-differential.test.ts; each case states what zod did and why it is the right answer.

const ID = "session_hostile_0001";
const AT = "2026-11-20T10:00:00.000Z";

function seed(overrides: Record<string, unknown> = {}) {
  return {
    id: ID,
    mode: "code",
    task: "t",
    status: "active",
    createdAt: AT,
    updatedAt: AT,
    iterations: 1,
    maxIterations: 10,
    context: {},
    history: [{ timestamp: AT, type: "note" }],
    ...overrides,
  };
}

function stored(overrides: Record<string, unknown> = {}) {
  return {
    schemaVersion: 2,
    id: ID,
    mode: "code",
    task: "t",
    status: "active",
    createdAt: AT,
    updatedAt: AT,
    iterations: 0,
    maxIterations: 10,
    context: {},
    version: 1,
    eventCount: 0,
    ...overrides,
  };
}

function corruptField(decode: () => unknown): string {
  try {
    decode();
  } catch (error) {
    if (isSessionKitError(error, "ERR_CORRUPT_RECORD"))
      return /field `([^`]*)`/.exec(error.message)?.[1] ?? "";
    throw error;
  }
  throw new Error("decoded a record that should be corrupt");
}

describe("hostile stored records", () => {
  it("a seed session.json whose iterations overflow to Infinity (1e999 in the JSON) is corrupt, not a session with Infinity iterations", () => {
    // zod's number() refuses ±Infinity; the seed's numbers are written back as JSON, where Infinity is null.
    for (const field of ["iterations", "maxIterations"]) {
      const raw = JSON.parse(
        JSON.stringify(seed()).replace(`"${field}":${field === "iterations" ? 1 : 10}`, `"${field}":1e999`),
      );
      expect(raw[field]).toBe(Number.POSITIVE_INFINITY);
      expect(
        corruptField(() => decodeRecord(raw, ID)),
        field,
      ).toBe(field);
      expect(
        corruptField(() => decodeRecord(seed({ [field]: Number.NEGATIVE_INFINITY }), ID)),
        field,
      ).toBe(field);
    }
  });

  it("a seed event without data gets an empty object of its own: changing one decode's never changes the next", () => {
    const first = decodeRecord(seed(), ID).legacyHistory![0]!;
    expect(first.data).toEqual({});
    (first.data as Record<string, unknown>).leaked = true;
    const second = decodeRecord(seed(), ID).legacyHistory![0]!;
    expect(second.data).toEqual({});
    expect(second.data).not.toBe(first.data);
  });

  it("context, metadata, event data and inbox answers must be plain JSON objects: a Date, Map, boxed value or class instance is corrupt", () => {
    class Thing {
      a = 1;
    }
    const notJson: Array<[string, unknown]> = [
      ["Date", new Date(0)],
      ["Map", new Map([["a", 1]])],
      ["boxed string", new String("ab")],
      ["boxed number", new Number(1)],
      ["class instance", new Thing()],
    ];
    for (const [name, value] of notJson) {
      expect(
        corruptField(() => decodeRecord(stored({ context: value }), ID)),
        name,
      ).toBe("context");
      expect(
        corruptField(() => decodeRecord(stored({ metadata: value }), ID)),
        name,
      ).toBe("metadata");
      expect(
        corruptField(() => decodeRecord(stored({ inputAnswers: value }), ID)),
        name,
      ).toBe("inputAnswers");
      expect(
        corruptField(() => decodeRecord(seed({ context: value }), ID)),
        name,
      ).toBe("context");
      expect(
        corruptField(() => decodeEvent({ seq: 1, timestamp: AT, type: "x", data: value }, ID)),
        name,
      ).toBe("data");
    }
    // What JSON text gives stays accepted: own "constructor" keys, a null prototype.
    const odd = JSON.parse('{"constructor": {"prototype": 1}, "toString": "x"}');
    expect(decodeRecord(stored({ context: odd }), ID).session.context).toBe(odd);
    const bare = Object.assign(Object.create(null), { a: 1 });
    expect(decodeRecord(stored({ context: bare }), ID).session.context).toBe(bare);
  });

  it("a symbol key in a JSON object is ERR_CORRUPT_RECORD (zod threw a raw TypeError formatting it)", () => {
    expect(corruptField(() => decodeRecord(stored({ context: { [Symbol("s")]: 1 } }), ID))).toBe("context");
  });
});

describe("hostile readEvents ranges", () => {
  const rangeError = (range: unknown) => {
    try {
      parseShape(eventRangeShape, range, "range", "test");
    } catch (error) {
      return error;
    }
    return null;
  };

  it("an unknown key whose getter throws is refused by name, without running the getter", () => {
    let ran = false;
    const range = Object.defineProperty({ fromSeq: 1 }, "boom", {
      enumerable: true,
      get() {
        ran = true;
        throw new Error("getter ran");
      },
    });
    expect(rangeError(range)).toMatchObject({ code: "ERR_INVALID_INPUT", details: { path: "range.boom" } });
    expect(ran).toBe(false);
  });

  it("a getter that throws a Proxy whose every trap throws is ERR_INVALID_INPUT naming the field (the brand check reads the thrown value)", () => {
    const trap = () => {
      throw new Error("trap ran");
    };
    const hostile = new Proxy({}, { get: trap, has: trap, getPrototypeOf: trap, ownKeys: trap });
    const range = Object.defineProperty({}, "fromSeq", {
      enumerable: true,
      get() {
        throw hostile;
      },
    });
    expect(rangeError(range)).toMatchObject({
      code: "ERR_INVALID_INPUT",
      details: { path: "range.fromSeq" },
    });
  });

  it("an inherited enumerable unknown key is refused, as zod's strictObject did (it walks keys with for…in)", () => {
    const range = Object.assign(Object.create({ limt: 5 }), { fromSeq: 1 });
    expect(rangeError(range)).toMatchObject({ code: "ERR_INVALID_INPUT", details: { path: "range.limt" } });
    // Object.prototype's own names are not enumerable: an ordinary object passes.
    expect(rangeError({ fromSeq: 1 })).toBeNull();
  });

  it("ranges at MAX_SAFE_INTEGER are accepted and read nothing; past it they are ERR_INVALID_INPUT naming the field", async () => {
    const store = createMemoryStore();
    const { session } = await store.create({ mode: "m", task: "t" }, { events: [{ type: "a" }] });
    const max = Number.MAX_SAFE_INTEGER;
    for (const range of [
      { fromSeq: max },
      { fromSeq: max, limit: max },
      { toSeq: max, limit: max },
      { last: max },
    ]) {
      const events = await store.readEvents(session.id, range);
      expect(
        events.map((e) => e.seq),
        JSON.stringify(range),
      ).toEqual("fromSeq" in range ? [] : [1]);
    }
    for (const field of ["fromSeq", "toSeq", "limit", "last"]) {
      await expect(store.readEvents(session.id, { [field]: max + 1 })).rejects.toMatchObject({
        code: "ERR_INVALID_INPUT",
        details: { path: `range.${field}` },
      });
    }
  });
});
