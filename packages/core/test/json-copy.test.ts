import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../src/index.js";
import { copyJson, measureJsonObject } from "../src/json.js";

/** A seeded generator (xorshift32: any replayable sequence serves here), so a failure replays. */
function random(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const UNITS = ["a", "\u0000", "\u001f", '"', "\\", "\n", "é", "€", "\ud800", "\udfff", "🎉", "\u2028"];

function value(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 4 : 6));
  if (pick === 0)
    return Array.from(
      { length: Math.floor(next() * 20) },
      () => UNITS[Math.floor(next() * UNITS.length)],
    ).join("");
  if (pick === 1)
    return [-0, 1e21, -1.7976931348623157e308, 5e-324, 0.1 + 0.2, -123456789][Math.floor(next() * 6)];
  if (pick === 2) return next() < 0.5 ? null : next() < 0.5;
  if (pick === 3) return undefined;
  if (pick === 4) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(next() * 4); i++)
    out[String(value(next, 9) ?? "k")] = value(next, depth + 1);
  return out;
}

/** The value of an own "__proto__" data key. */
const protoKey = (object: object) => Object.getOwnPropertyDescriptor(object, "__proto__")?.value;

describe("JSON copies", () => {
  it("measureJsonObject's bound is never below the UTF-8 length of the JSON text (500 seeded values)", () => {
    const next = random(20261203);
    for (let i = 0; i < 500; i++) {
      const input = { v: value(next, 0), w: value(next, 0) };
      const { value: copy, bound } = measureJsonObject(input);
      const bytes = Buffer.byteLength(JSON.stringify(copy), "utf8");
      expect(bound >= bytes, `value ${i}: bound ${bound} < ${bytes} bytes of ${JSON.stringify(copy)}`).toBe(
        true,
      );
    }
  });

  it("copyJson copies deeply, keeps a __proto__ key as data and shares nothing", () => {
    const original = JSON.parse('{"a":[{"b":1}],"__proto__":{"x":[2]},"s":"\\ud800"}');
    const copy = copyJson(original);
    expect(copy).toEqual(original);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(["a", "__proto__", "s"]);
    copy.a[0].b = 9;
    protoKey(copy).x.push(3);
    expect(original.a[0].b).toBe(1);
    expect(protoKey(original).x).toEqual([2]);
  });

  it("an event at the size limit is stored and one byte more is refused, whatever its characters", async () => {
    for (const unit of ["a", "é", "\u0001"]) {
      const limit = 4096;
      const store = createMemoryStore({ maxPayloadBytes: limit });
      const { session } = await store.create({ mode: "m", task: "t" });
      const envelope = (text: string) => ({
        seq: 1,
        timestamp: session.createdAt,
        type: "x",
        data: { text },
      });
      let text = "";
      while (Buffer.byteLength(JSON.stringify(envelope(text + unit))) <= limit) text += unit;
      const over = `${text}${unit}`;
      const refused = await store
        .commit(session.id, { events: [{ type: "x", data: { text: over } }] })
        .catch((error) => error);
      expect(refused.code, unit).toBe("ERR_PAYLOAD_TOO_LARGE");
      const stored = await store.commit(session.id, { events: [{ type: "x", data: { text } }] });
      expect(stored.events[0]!.data.text).toBe(text);
    }
  });
});
