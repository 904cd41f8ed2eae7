import { z } from "zod";

/** Lifecycle events a webhook receives unless `events` says otherwise (the seed's six). */
export const DEFAULT_WEBHOOK_EVENTS = ["start", "pause", "resume", "complete", "error", "timeout"] as const;

/** One webhook target. Parsed once, when the manager is created. */
export const webhookConfigSchema = z.strictObject({
  /** http(s) URL that receives a POST per event. */
  url: z.url({ protocol: /^https?$/ }),
  /** HMAC-SHA256 key; when set, every request carries `x-sessionkit-signature`. Default: unsigned. */
  secret: z.string().min(1).optional(),
  /** Event types to send; `"*"` sends every history event. Default: start, pause, resume, complete, error, timeout. */
  events: z.array(z.string().min(1)).min(1).optional(),
  /** Per-attempt limit for connecting and answering, in ms (default 5000). */
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
  /** Attempts per event, the first included (default 5). */
  maxAttempts: z.number().int().min(1).max(100).optional(),
  /** Exponential backoff with full jitter between attempts (defaults: baseMs 500, maxMs 30000). */
  backoff: z
    .strictObject({
      baseMs: z.number().int().min(0).optional(),
      maxMs: z.number().int().min(0).optional(),
    })
    .optional(),
  /** Extra request headers (e.g. an Authorization header). */
  headers: z.record(z.string(), z.string()).optional(),
});

/** Configuration of one webhook target (see webhookConfigSchema for defaults). */
export type WebhookConfig = z.input<typeof webhookConfigSchema>;

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
export function resolveWebhook(config: z.output<typeof webhookConfigSchema>): ResolvedWebhook {
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
