import { SessionKitError, type SessionStore } from "@sessionkit/core";
import { z } from "zod";

const optionsSchema = z.object({
  store: z.custom<SessionStore>(
    (value) =>
      typeof value === "object" &&
      value !== null &&
      typeof (value as SessionStore).list === "function" &&
      typeof (value as SessionStore).readEvents === "function",
    { message: "a SessionStore (an object with list(), readEvents(), …)" },
  ),
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().min(1).default("127.0.0.1"),
  allowActions: z.boolean().default(false),
  token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,128}$/, "16 to 128 letters, digits, `_` or `-`")
    .optional(),
  pollIntervalMs: z.number().int().min(20).max(60_000).default(1000),
});

/** Options of startInspector(). */
export interface InspectorOptions {
  /** The store to inspect. The inspector never closes it: whoever opened the store closes it. */
  store: SessionStore;
  /** TCP port (default 0: a free port chosen by the system). */
  port?: number;
  /** Interface to bind (default "127.0.0.1": only this machine can connect). */
  host?: string;
  /** Enables pause, resume, fail and prune (default false: read-only). */
  allowActions?: boolean;
  /** Access token required on every request (default: 32 random bytes, base64url). */
  token?: string;
  /** How often live views poll the store when it has no change feed (default 1000 ms). */
  pollIntervalMs?: number;
}

export type ResolvedInspectorOptions = z.output<typeof optionsSchema>;

/** Parses startInspector()'s options; ERR_INVALID_INPUT names the bad field. */
export function parseInspectorOptions(options: unknown): ResolvedInspectorOptions {
  const parsed = optionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join(".") || "options";
  throw new SessionKitError(
    "ERR_INVALID_INPUT",
    `[ui] Expected \`${field}\` to be valid: ${issue.message}. Fix the options of startInspector().`,
    { details: { field } },
  );
}
