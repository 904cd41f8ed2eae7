import type { SessionStatus } from "./model.js";
import type { ChangeFacts, ChangeRecord } from "./watch-types.js";

/** A parsed scope: one session, or a filter (statuses de-duplicated). */
export type ParsedScope =
  | { sessionId: string }
  | { filter: { userId?: string; channelId?: string; mode?: string; statuses?: SessionStatus[] } };

function factsMatch(
  facts: ChangeFacts | undefined,
  filter: Extract<ParsedScope, { filter: unknown }>["filter"],
) {
  if (!facts) return false;
  if (filter.userId !== undefined && facts.userId !== filter.userId) return false;
  if (filter.channelId !== undefined && facts.channelId !== filter.channelId) return false;
  if (filter.mode !== undefined && facts.mode !== filter.mode) return false;
  if (filter.statuses !== undefined && !filter.statuses.includes(facts.status)) return false;
  return true;
}

/** True when the change concerns the scope: a filter matches the state before or after it. */
export function scopeMatches(scope: ParsedScope, change: ChangeRecord): boolean {
  if ("sessionId" in scope) return change.sessionId === scope.sessionId;
  if (Object.keys(scope.filter).length === 0) return true;
  return factsMatch(change.after, scope.filter) || factsMatch(change.before, scope.filter);
}
