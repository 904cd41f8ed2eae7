import { describeValue, SessionKitError } from "../errors.js";
import type { Session, SessionMetadata } from "../model.js";
import { COMPONENT } from "./schemas.js";
import type { IterationUsage } from "./transitions.js";

/**
 * Adds one iteration's usage to the session's metadata. The stored fields it adds to are checked
 * first (metadata is free JSON: the seed, an import or a raw store.create may have put anything
 * there): a `cost` that is not a number, `tokens` that are not an object of numbers, or a
 * `toolsUsed` that is not an array of strings is refused with ERR_INVALID_INPUT naming the field,
 * and nothing is committed. Missing token counters count as 0. A field the usage does not touch
 * is never checked.
 */
export function accumulateUsage(session: Session, usage: IterationUsage): SessionMetadata | SessionKitError {
  const out: SessionMetadata = { ...session.metadata };
  const stored = session.metadata ?? {};
  if (usage.model !== undefined) out.model = usage.model;
  if (usage.cost !== undefined) {
    if (stored.cost !== undefined && !isNumber(stored.cost))
      return malformed(session, "metadata.cost", stored.cost, "a number");
    out.cost = (stored.cost ?? 0) + usage.cost;
  }
  if (usage.tokens !== undefined) {
    const old = stored.tokens ?? {};
    if (typeof old !== "object" || old === null || Array.isArray(old)) {
      return malformed(session, "metadata.tokens", old, "an object {prompt, completion, total}");
    }
    const counters = old as Record<string, unknown>;
    for (const key of ["prompt", "completion", "total"]) {
      const value = counters[key];
      if (value !== undefined && !isNumber(value))
        return malformed(session, `metadata.tokens.${key}`, value, "a number");
    }
    const add = typeof usage.tokens === "number" ? { total: usage.tokens } : usage.tokens;
    const prompt = ((counters.prompt as number | undefined) ?? 0) + (add.prompt ?? 0);
    const completion = ((counters.completion as number | undefined) ?? 0) + (add.completion ?? 0);
    const total =
      ((counters.total as number | undefined) ?? 0) +
      (add.total ?? (add.prompt ?? 0) + (add.completion ?? 0));
    out.tokens = { prompt, completion, total };
  }
  if (usage.toolsUsed !== undefined) {
    const used = toolList(stored.toolsUsed);
    if (used === null)
      return malformed(session, "metadata.toolsUsed", stored.toolsUsed, "an array of tool names");
    for (const tool of usage.toolsUsed) if (!used.includes(tool)) used.push(tool);
    out.toolsUsed = used;
  }
  return out;
}

/**
 * The metadata after a tool call of `tool`, or undefined when it does not change. A tool call is
 * a record of what happened and is never refused for the shape of derived bookkeeping: when the
 * stored `toolsUsed` is not an array of strings it is left exactly as stored.
 */
export function withToolUsed(session: Session, tool: string): SessionMetadata | undefined {
  const used = toolList(session.metadata?.toolsUsed);
  if (used === null || used.includes(tool)) return undefined;
  return { ...session.metadata, toolsUsed: [...used, tool] };
}

/** A copy of a stored toolsUsed, or null when it is not an array of strings. */
function toolList(value: unknown): string[] | null {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((tool) => typeof tool === "string")) return null;
  return [...value];
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function malformed(session: Session, field: string, value: unknown, expected: string): SessionKitError {
  return new SessionKitError(
    "ERR_INVALID_INPUT",
    `[${COMPONENT}] Cannot add usage to session ${describeValue(session.id)}: its stored \`${field}\` is ${describeValue(value)}, expected ${expected}. Nothing was changed; fix the session's metadata or leave that part out of the usage.`,
    { details: { id: session.id, field, value } },
  );
}
