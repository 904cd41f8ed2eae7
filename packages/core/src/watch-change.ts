import type { CommitPlan } from "./driver.js";
import type { Session, SessionEvent, SessionSummary } from "./model.js";
import type { ChangeFacts, ChangeRecord, NewChange } from "./watch-types.js";

/** The filterable fields of a session, as a change records them. */
export function factsOf(
  session: Pick<SessionSummary, "mode" | "status" | "userId" | "channelId">,
): ChangeFacts {
  const facts: ChangeFacts = { mode: session.mode, status: session.status };
  if (session.userId !== undefined) facts.userId = session.userId;
  if (session.channelId !== undefined) facts.channelId = session.channelId;
  return facts;
}

/** The change a commit records: `current` is the state the plan was made from. */
export function commitChange(current: Session, plan: CommitPlan): NewChange {
  return {
    sessionId: current.id,
    kind: "committed",
    version: plan.next.version,
    fromSeq: current.eventCount + 1,
    toSeq: plan.next.eventCount,
    after: factsOf(plan.next),
    before: factsOf(current),
  };
}

/** The change an insert (create or import) records. */
export function insertChange(session: Session, events: SessionEvent[]): NewChange {
  return {
    sessionId: session.id,
    kind: "created",
    version: session.version,
    fromSeq: 1,
    toSeq: events.length,
    after: factsOf(session),
  };
}

/** The change a delete records; `last` is the state deleted, when it could be read. */
export function deleteChange(id: string, last: Session | SessionSummary | undefined): NewChange {
  return {
    sessionId: id,
    kind: "deleted",
    version: last?.version ?? 0,
    fromSeq: (last?.eventCount ?? 0) + 1,
    toSeq: last?.eventCount ?? 0,
    ...(last ? { after: factsOf(last) } : {}),
  };
}

/** The facts of a change as one JSON text (SQL drivers keep them in one column). */
export function encodeChangeFacts(change: NewChange): string {
  return JSON.stringify({ a: change.after, b: change.before });
}

/**
 * One row of a SQL change log table, as the driver reads it: `pos` may come back as text (a
 * PostgreSQL bigint), `facts` is encodeChangeFacts' text.
 */
export interface ChangeLogRow {
  pos: number | string;
  session_id: string;
  kind: string;
  version: number;
  from_seq: number;
  to_seq: number;
  facts: string | null;
}

/** A change rebuilt from its stored columns (see encodeChangeFacts). */
export function decodeChange(row: ChangeLogRow): ChangeRecord {
  const facts = row.facts ? (JSON.parse(row.facts) as { a?: ChangeFacts; b?: ChangeFacts }) : {};
  return {
    pos: Number(row.pos),
    sessionId: row.session_id,
    kind: row.kind as NewChange["kind"],
    version: row.version,
    fromSeq: row.from_seq,
    toSeq: row.to_seq,
    ...(facts.a ? { after: facts.a } : {}),
    ...(facts.b ? { before: facts.b } : {}),
  };
}
