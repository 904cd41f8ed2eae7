/** Owner and lease as the inspector shows them; absent until the store records ownership. */
export interface OwnershipView {
  owner?: Record<string, unknown>;
  leaseUntil?: string;
  /** Active with an expired lease: whoever owned it stopped heartbeating. */
  stuck: boolean;
}

/**
 * Reads `owner` and `leaseUntil` when the record has them. Ownership (leases) is a later addition to
 * the data model, so this looks at the fields structurally instead of depending on their types.
 */
export function ownershipOf(session: object, now: number): OwnershipView {
  const record = session as { status?: unknown; owner?: unknown; leaseUntil?: unknown };
  const view: OwnershipView = { stuck: false };
  if (record.owner !== null && typeof record.owner === "object")
    view.owner = record.owner as Record<string, unknown>;
  if (typeof record.leaseUntil === "string") {
    view.leaseUntil = record.leaseUntil;
    const until = Date.parse(record.leaseUntil);
    view.stuck = record.status === "active" && Number.isFinite(until) && until < now;
  }
  return view;
}
