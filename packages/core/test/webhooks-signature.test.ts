import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature } from "../src/index.js";

const body = JSON.stringify({ event: "complete", id: "session_x:4" });
const secret = "s3cret";
const t = 1_800_000_000_000;

describe("webhook signatures", () => {
  it("a signature made by signWebhook verifies with the same secret, body and time", () => {
    const header = signWebhook({ body, secret, timestamp: t });
    expect(header).toMatch(/^t=1800000000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ body, header, secret, now: t + 1000 })).toBe(true);
    expect(verifyWebhookSignature({ body: Buffer.from(body), header, secret, now: t })).toBe(true);
  });

  it("a forged signature is rejected: wrong secret, changed body, changed timestamp, garbage", () => {
    const header = signWebhook({ body, secret, timestamp: t });
    expect(verifyWebhookSignature({ body, header, secret: "other", now: t })).toBe(false);
    expect(verifyWebhookSignature({ body: body.replace("complete", "error"), header, secret, now: t })).toBe(
      false,
    );
    expect(
      verifyWebhookSignature({ body, header: header.replace(`t=${t}`, `t=${t + 1}`), secret, now: t }),
    ).toBe(false);
    expect(verifyWebhookSignature({ body, header: `t=${t},v1=${"0".repeat(64)}`, secret, now: t })).toBe(
      false,
    );
    for (const bad of [
      undefined,
      null,
      "",
      "garbage",
      `t=${t}`,
      `v1=${"a".repeat(64)}`,
      `t=abc,v1=${"a".repeat(64)}`,
    ]) {
      expect(verifyWebhookSignature({ body, header: bad, secret, now: t })).toBe(false);
    }
  });

  it("a replayed (stale) signature is rejected outside the tolerance; so is one from the future", () => {
    const header = signWebhook({ body, secret, timestamp: t });
    expect(verifyWebhookSignature({ body, header, secret, now: t + 5 * 60 * 1000 })).toBe(true);
    expect(verifyWebhookSignature({ body, header, secret, now: t + 5 * 60 * 1000 + 1 })).toBe(false);
    expect(verifyWebhookSignature({ body, header, secret, now: t + 60_000, toleranceMs: 1000 })).toBe(false);
    expect(verifyWebhookSignature({ body, header, secret, now: t - 10 * 60 * 1000 })).toBe(false);
  });

  it("accepts any of several secrets during a rotation", () => {
    const header = signWebhook({ body, secret: "new", timestamp: t });
    expect(verifyWebhookSignature({ body, header, secret: ["old", "new"], now: t })).toBe(true);
    expect(verifyWebhookSignature({ body, header, secret: ["old"], now: t })).toBe(false);
  });
});
