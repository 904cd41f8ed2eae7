import { describe, expect, it } from "vitest";
import { canonicalDigest, requestDigest } from "../src/manager/idempotency.js";

// Digests are stored in session records (`operations[id].digest`, inbox requests), so the text they
// hash must never change. These values were computed by the digest code before it moved onto core's
// canonicalJson; a record written then must still match a replay of the same request now.
const REQUEST = {
  id: "s-1",
  context: { zeta: 1, alpha: [3, { b: true, a: null }], é: "ü", Z: "upper" },
  metadata: { tenant: "t", missing: undefined },
  expiresAt: new Date("2026-01-02T03:04:05.678Z"),
  numbers: [-0, 1.5e21, 0.1, Number.NaN],
  text: "line\nbreak \u2028 \ud800",
  holes: [undefined, null],
};

describe("request digests are byte-identical to the ones already stored", () => {
  it("requestDigest pins the value the earlier code stored", () => {
    expect(requestDigest("start", REQUEST)).toBe("6d56803ed07d88ea4d8e4c7f1cbd0ea4");
    expect(requestDigest("pause", ["waiting"])).toBe("184ec3664402f9f90fb0eaf172d36e5a");
    expect(requestDigest("complete", [undefined])).toBe("8a33c7e91fd9669ad549dd93d968f5fa");
  });

  it("canonicalDigest pins the value the earlier code stored, whatever the key order", () => {
    const reordered = Object.fromEntries(Object.entries(REQUEST).reverse());
    expect(canonicalDigest(REQUEST)).toBe("b117f39692efb8b0659327f00bb1a41d");
    expect(canonicalDigest(reordered)).toBe("b117f39692efb8b0659327f00bb1a41d");
    expect(canonicalDigest(undefined)).toBe("74234e98afe7498fb5daf1f36ac2d78a");
    expect(canonicalDigest({ prompt: "Pick one", choices: ["a", "b"], timeoutMs: 5000 })).toBe(
      "c7aa6ddf0c3df13dab4db87ff8a0c9ce",
    );
  });
});
