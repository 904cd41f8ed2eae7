import { errors } from "./errors.js";
import { assertSessionId } from "./ids.js";
import { SESSION_STATUSES } from "./model.js";
import { parseInput } from "./schemas.js";
import { decodeWatchCursor } from "./watch-cursor.js";
import type { WatchStart } from "./watch-iterate.js";
import type { ParsedScope } from "./watch-scope.js";
import { lazy, zod } from "./zod-lazy.js";

/** watch()'s schemas, built with zod on first use (zod-lazy.ts). */
const watchSchemas = lazy(() => {
  const z = zod();
  const status = z.enum(SESSION_STATUSES);
  return {
    filter: z.strictObject({
      userId: z.string().optional(),
      channelId: z.string().optional(),
      mode: z.string().optional(),
      status: z.union([status, z.array(status).min(1)]).optional(),
    }),
    options: z.strictObject({
      since: z
        .union([z.string().min(1).max(200), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)])
        .optional(),
      signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal, "an AbortSignal").optional(),
    }),
  };
});

/** Parses watch()'s arguments at the boundary (before any I/O); ERR_INVALID_* on bad input. */
export function parseWatch(scope: unknown, options: unknown, component: string) {
  let parsedScope: ParsedScope;
  if (typeof scope === "string") {
    assertSessionId(scope, component);
    parsedScope = { sessionId: scope };
  } else {
    const filter = parseInput(watchSchemas().filter, scope ?? {}, "scope", component);
    const { status, ...rest } = filter;
    const statuses =
      status === undefined
        ? undefined
        : SESSION_STATUSES.filter((s) => (Array.isArray(status) ? status : [status]).includes(s));
    parsedScope = {
      filter: Object.fromEntries(
        Object.entries({ ...rest, statuses }).filter(([, value]) => value !== undefined),
      ),
    };
  }
  const { since, signal } = parseInput(watchSchemas().options, options ?? {}, "options", component);
  let start: WatchStart;
  if (since === undefined) start = { kind: "now" };
  else if (since === "start") start = { kind: "start" };
  else if (typeof since === "number") {
    if (!("sessionId" in parsedScope)) {
      throw errors.invalidInput(
        component,
        "`since` to be a cursor when watching a filter",
        since,
        "A seq resumes one session only; pass the cursor of an earlier item.",
      );
    }
    start = { kind: "seq", seq: since };
  } else start = { kind: "cursor", position: decodeWatchCursor(since, component) };
  return { scope: parsedScope, start, signal };
}
