import { createHmac, timingSafeEqual } from "node:crypto";

/** Name of the signature header: `t=<unix ms>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = "x-sessionkit-signature";

/** Default window in which a signed timestamp is accepted: 5 minutes either way. */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

type Body = string | Uint8Array;

function hmacHex(secret: string, timestamp: number, body: Body): string {
  const hmac = createHmac("sha256", secret);
  hmac.update(`${timestamp}.`);
  hmac.update(body);
  return hmac.digest("hex");
}

/** Signs a webhook body: the value of the `x-sessionkit-signature` header. */
export function signWebhook(input: { body: Body; secret: string; timestamp?: number }): string {
  const timestamp = input.timestamp ?? Date.now();
  return `t=${timestamp},v1=${hmacHex(input.secret, timestamp, input.body)}`;
}

/** Input of verifyWebhookSignature. */
export interface VerifyWebhookInput {
  /** The raw request body, exactly as received (do not re-serialise parsed JSON). */
  body: Body;
  /** The `x-sessionkit-signature` header value. */
  header: string | string[] | null | undefined;
  /** The shared secret, or several during a rotation. */
  secret: string | string[];
  /** Accepted clock skew and age, in ms (default 300000). Older signatures are replays. */
  toleranceMs?: number;
  /** Receiver's time in epoch ms (default Date.now()). */
  now?: number;
}

/**
 * True when the header is a valid signature of `body` with one of the secrets and its timestamp
 * is within the tolerance. Constant-time comparison; stale or future timestamps are refused, so a
 * captured request cannot be replayed later. Dedupe by `x-sessionkit-id` against replays inside the window.
 */
export function verifyWebhookSignature(input: VerifyWebhookInput): boolean {
  const header = Array.isArray(input.header) ? input.header[0] : input.header;
  if (typeof header !== "string" || header.length > 4096) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,16}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  const tolerance = input.toleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS;
  const now = input.now ?? Date.now();
  if (Math.abs(now - timestamp) > tolerance) return false;
  const secrets = Array.isArray(input.secret) ? input.secret : [input.secret];
  let ok = false;
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length === 0) continue;
    const expected = Buffer.from(hmacHex(secret, timestamp, input.body), "hex");
    for (const signature of signatures) {
      // Every candidate is compared, so timing does not reveal which one matched.
      if (timingSafeEqual(expected, Buffer.from(signature, "hex"))) ok = true;
    }
  }
  return ok;
}
