import { lazy, zod } from "../zod-lazy.js";

/** Lifecycle events a webhook receives unless `events` says otherwise (the seed's six). */
export const DEFAULT_WEBHOOK_EVENTS = ["start", "pause", "resume", "complete", "error", "timeout"] as const;

/** One webhook target. Parsed once, when the manager is created (zod, built on first use). */
export const webhookConfigSchema = lazy(() => {
  const z = zod();
  return z.strictObject({
    url: z.url({ protocol: /^https?$/ }),
    secret: z.string().min(1).optional(),
    events: z.array(z.string().min(1)).min(1).optional(),
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
    maxAttempts: z.number().int().min(1).max(100).optional(),
    backoff: z
      .strictObject({ baseMs: z.number().int().min(0).optional(), maxMs: z.number().int().min(0).optional() })
      .optional(),
    headers: z.record(z.string(), z.string()).optional(),
  });
});

/** Configuration of one webhook target. */
export interface WebhookConfig {
  /** http(s) URL that receives a POST per event. */
  url: string;
  /** HMAC-SHA256 key; when set, every request carries `x-sessionkit-signature`. Default: unsigned. */
  secret?: string | undefined;
  /** Event types to send; `"*"` sends every history event. Default: start, pause, resume, complete, error, timeout. */
  events?: string[] | undefined;
  /** Per-attempt limit for connecting and answering, in ms (default 5000). */
  timeoutMs?: number | undefined;
  /** Attempts per event, the first included (default 5). */
  maxAttempts?: number | undefined;
  /** Exponential backoff with full jitter between attempts (defaults: baseMs 500, maxMs 30000). */
  backoff?: { baseMs?: number | undefined; maxMs?: number | undefined } | undefined;
  /** Extra request headers (e.g. an Authorization header). */
  headers?: Record<string, string> | undefined;
}

/** A webhook target with every default filled in. */
export interface ResolvedWebhook {
  url: string;
  secret: string | undefined;
  events: Set<string> | "*";
  timeoutMs: number;
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
  headers: Record<string, string>;
}

/** Fills in the defaults of a parsed webhook configuration. */
export function resolveWebhook(config: WebhookConfig): ResolvedWebhook {
  const events = config.events ?? [...DEFAULT_WEBHOOK_EVENTS];
  return {
    url: config.url,
    secret: config.secret,
    events: events.includes("*") ? "*" : new Set(events),
    timeoutMs: config.timeoutMs ?? 5000,
    maxAttempts: config.maxAttempts ?? 5,
    baseMs: config.backoff?.baseMs ?? 500,
    maxMs: config.backoff?.maxMs ?? 30_000,
    headers: { ...config.headers },
  };
}
