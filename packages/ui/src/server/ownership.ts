import { type SessionSummary, type StuckReason, stuckReason } from "@sessionkit/core";

type SessionOwner = NonNullable<SessionSummary["owner"]>;

/** Owner and lease as the inspector shows them; absent until the store records ownership. */
export interface OwnershipView {
  owner?: SessionOwner;
  leaseUntil?: string;
  /** Active, owned and no live owner (core's stuckReason, the sweeper's rule): why, or absent. */
  stuck?: StuckReason;
}

/** One stuck row of a listed page, by id (an array, not an object keyed by id: an id is data, never a property name). */
export interface StuckRow {
  id: string;
  reason: StuckReason;
}

/** The view of one session or summary at `nowMs`: summaries carry owner and lease, so no record is read. */
export function ownershipOf(
  session: Pick<SessionSummary, "status" | "owner" | "leaseUntil">,
  nowMs: number,
): OwnershipView {
  const view: OwnershipView = {};
  if (session.owner !== undefined) view.owner = session.owner;
  if (session.leaseUntil !== undefined) view.leaseUntil = session.leaseUntil;
  const reason = stuckReason(session, nowMs);
  if (reason !== null) view.stuck = reason;
  return view;
}

/**
 * The stuck rows of a listed page, from the summaries alone: a dead owner on this host is told by
 * its pid and start time (one /proc read per owned active row), an expired lease by the clock.
 * Before summaries carried ownership the server read every active row in full (up to 50 record
 * reads on fs before the flags showed).
 */
export function stuckRows(items: readonly SessionSummary[], nowMs: number): StuckRow[] {
  const rows: StuckRow[] = [];
  for (const item of items) {
    const reason = stuckReason(item, nowMs);
    if (reason !== null) rows.push({ id: item.id, reason });
  }
  return rows;
}
