import { describe, expect, it } from "vitest";
import {
  decodeEvent,
  decodeRecord,
  encodeRecord,
  is,
  optional,
  parseShape,
  withDefault,
} from "../src/driver-entry.js";
import { createMemoryStore, isSessionKitError } from "../src/index.js";

const ID = "session_shape_0001";

function stored(overrides: Record<string, unknown> = {}) {
  return {
    schemaVersion: 2,
    id: ID,
    mode: "code",
    task: "t",
    status: "paused",
    createdAt: "2026-11-20T10:00:00.000Z",
    updatedAt: "2026-11-20T10:05:00.000Z",
    iterations: 1,
    maxIterations: 10,
    context: { a: 1 },
    pause: { at: "2026-11-20T10:05:00.000Z", reason: "review" },
    version: 3,
    eventCount: 2,
    ...overrides,
  };
}

function corruptReason(raw: unknown): string {
  try {
    decodeRecord(raw, ID, "test");
  } catch (error) {
    if (isSessionKitError(error) && error.code === "ERR_CORRUPT_RECORD") return error.message;
    throw error;
  }
  throw new Error("decoded a record that should be corrupt");
}

describe("stored records, checked by hand", () => {
  it("a record round-trips through encode and decode, unknown fields dropped at every level", () => {
    const { session } = decodeRecord(
      { ...stored({ pause: { at: "2026-11-20T10:05:00.000Z", extra: 1 } }), futureField: true },
      ID,
    );
    expect(session).toEqual({
      ...stored({ pause: { at: "2026-11-20T10:05:00.000Z" } }),
      schemaVersion: undefined,
    });
    expect("futureField" in session).toBe(false);
    expect("schemaVersion" in session).toBe(false);
    expect(decodeRecord(encodeRecord(session), ID).session).toEqual(session);
  });

  it("a record's own __proto__ key in the caller's JSON stays an own key, and never becomes a prototype", () => {
    const context = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
    const { session } = decodeRecord(stored({ context }), ID);
    expect(Object.hasOwn(session.context, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(session.context)).toBe(Object.prototype);
  });

  it("each malformed field is refused with ERR_CORRUPT_RECORD naming it", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ status: "running" }, "status"],
      [{ iterations: -1 }, "iterations"],
      [{ iterations: 1.5 }, "iterations"],
      [{ createdAt: "yesterday" }, "createdAt"],
      [{ context: [1] }, "context"],
      [{ pause: { reason: "x" } }, "pause.at"],
      [
        { owner: { id: "w", host: "h", pid: 1, startedAt: "2026-11-20T10:00:00.000Z", generation: 0 } },
        "owner.generation",
      ],
      [{ operations: { op: { digest: "", version: 1 } } }, "operations"],
      [{ inputRequests: [{ requestId: "r", kind: "question" }] }, "inputRequests.0.prompt"],
      [{ version: 0 }, "version"],
      [{ mode: undefined }, "mode"],
      [{ schemaVersion: 1 }, "schemaVersion"],
      [{ schemaVersion: "2" }, "schemaVersion"],
    ];
    for (const [overrides, field] of cases) {
      expect(corruptReason(stored(overrides)), field).toContain(`\`${field}\``);
    }
    expect(corruptReason(stored({ id: "session_other_0001" }))).toContain("session_other_0001");
    expect(corruptReason([])).toContain("not a JSON object");
  });

  it("events: the shape is checked, data kept as stored", () => {
    const data = { deep: { x: [1, 2] } };
    const event = decodeEvent(
      { seq: 1, timestamp: "2026-11-20T10:00:00.000Z", type: "x", data, extra: 1 },
      ID,
    );
    expect(event).toEqual({ seq: 1, timestamp: "2026-11-20T10:00:00.000Z", type: "x", data });
    expect(event.data).toBe(data);
    expect(() => decodeEvent({ seq: 0, timestamp: "2026-11-20T10:00:00.000Z", type: "x", data }, ID)).toThrow(
      /`seq`/,
    );
  });
});

describe("shapes", () => {
  const options = is.object<{ dir: string; n: number; mode?: string }>(
    {
      dir: is.string({ min: 1 }),
      n: withDefault(is.int({ min: 1, max: 9 }), 3),
      mode: optional(is.oneOf(["a", "b"])),
    },
    "strict",
  );

  it("defaults fill what is absent; a strict object refuses unknown keys, inherited names included", () => {
    expect(options({ dir: "x" })).toEqual({ dir: "x", n: 3 });
    expect(options({ dir: "x", n: 9, mode: "b" })).toEqual({ dir: "x", n: 9, mode: "b" });
    for (const key of ["other", "constructor", "toString", "__proto__"]) {
      const value = JSON.parse(`{"dir": "x", "${key}": 1}`);
      expect(() => parseShape(options, value, "options", "test"), key).toThrow(`options.${key}`);
    }
  });

  it("parseShape names the path and the value found, with ERR_INVALID_INPUT", () => {
    try {
      parseShape(options, { dir: "x", n: 10 }, "options", "test");
      throw new Error("accepted n: 10");
    } catch (error) {
      expect(isSessionKitError(error) && error.code).toBe("ERR_INVALID_INPUT");
      expect((error as Error).message).toMatch(/`options\.n`.*≤ 9.*10/);
    }
  });
});

describe("readEvents ranges (checked without zod)", () => {
  it("last alone, or fromSeq/toSeq/limit; anything else is ERR_INVALID_INPUT naming the range", async () => {
    const store = createMemoryStore();
    const { session } = await store.create(
      { mode: "m", task: "t" },
      { events: [{ type: "a" }, { type: "b" }] },
    );
    expect((await store.readEvents(session.id, { last: 1 })).map((e) => e.seq)).toEqual([2]);
    expect((await store.readEvents(session.id, { fromSeq: 2, limit: 5 })).map((e) => e.seq)).toEqual([2]);
    for (const range of [{ last: 1, fromSeq: 1 }, { limit: 0 }, { fromSeq: 1.5 }, { other: 1 }]) {
      await expect(store.readEvents(session.id, range as never)).rejects.toMatchObject({
        code: "ERR_INVALID_INPUT",
        details: { path: expect.stringMatching(/^range/) },
      });
    }
  });
});

describe("integers", () => {
  it("is.int accepts safe integers only, as zod's int() did", () => {
    const int = is.int({ min: 1 });
    expect(int(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of [Number.MAX_SAFE_INTEGER + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "1", 0]) {
      expect(() => int(bad), String(bad)).toThrow();
    }
  });
});
