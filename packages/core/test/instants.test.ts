import { describe, expect, it } from "vitest";
import { MAX_INSTANT_MS, MIN_INSTANT_MS, readInstant } from "../src/instants.js";

const iso = (value: unknown) => {
  const reading = readInstant(value);
  return reading.ok ? reading.iso : `refused: ${reading.reason}`;
};

describe("readInstant", () => {
  it("normalises a Date, epoch ms and offset text to UTC with milliseconds", () => {
    expect(iso(new Date("2026-04-01T10:00:00Z"))).toBe("2026-04-01T10:00:00.000Z");
    expect(iso(Date.UTC(2026, 3, 1, 10))).toBe("2026-04-01T10:00:00.000Z");
    expect(iso("2026-04-01T12:00:00.000+02:00")).toBe("2026-04-01T10:00:00.000Z");
    expect(iso("2026-04-01T05:30-04:30")).toBe("2026-04-01T10:00:00.000Z");
    expect(iso("2026-04-01T10:00:00.1234567Z")).toBe("2026-04-01T10:00:00.123Z");
  });

  it("reads a bare date as midnight UTC, on every host", () => {
    expect(iso("2026-04-01")).toBe("2026-04-01T00:00:00.000Z");
    expect(iso("2024-02-29")).toBe("2024-02-29T00:00:00.000Z");
    expect(iso("2000-02-29")).toBe("2000-02-29T00:00:00.000Z");
  });

  it("keeps years 0000-0099 as written (Date.UTC would map them to 19xx)", () => {
    expect(iso("0050-06-15T00:00:00Z")).toBe("0050-06-15T00:00:00.000Z");
    expect(iso(MIN_INSTANT_MS)).toBe("0000-01-01T00:00:00.000Z");
    expect(iso(MAX_INSTANT_MS)).toBe("9999-12-31T23:59:59.999Z");
  });

  it("refuses what cannot be ordered as text, local times and impossible dates", () => {
    for (const value of [
      MAX_INSTANT_MS + 1,
      MIN_INSTANT_MS - 1,
      9e15,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      new Date(Number.NaN),
      "+010000-01-01T00:00:00.000Z",
      "0000-01-01T00:00:00+00:01",
      "2026-01-01T00:00:00",
      "2099-02-30",
      "1900-02-29",
      "2026-04-31",
      "2026-00-10",
      "2026-01-01T23:60Z",
      "2026-01-01T00:00:00+24:00",
      "2026-01-01T00:00:00+05:60",
      "soon",
      "",
      null,
      true,
      {},
    ]) {
      expect(iso(value), String(value)).toMatch(/^refused: /);
    }
  });
});
