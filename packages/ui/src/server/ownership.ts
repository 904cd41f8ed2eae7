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

/**
 * How many ids one ownership request may ask for: the Sessions screen's largest page. 200 ids are
 * about 6 KB of URL, well under Node's 16 KB header limit (1,000 would not be).
 */
export const MAX_OWNERSHIP_IDS = 200;
/**
 * Reads in flight at once: enough to overlap fs file reads and PostgreSQL round trips, few enough
 * that a 1,000-row page never opens 1,000 files or waits on a 4-connection pool all at once.
 */
const IN_FLIGHT = 16;

/** One answer of an ownership request: the view, or why the id could not be read (gone since it was listed, or damaged). */
export type OwnershipEntry = { id: string; ownership: OwnershipView } | { id: string; missing: string };

/**
 * Owner and lease of the given sessions, one get() each with a few in flight. Summaries leave
 * ownership out (the contract's SessionSummary, conformance SS-Q-12), so the Sessions screen paints
 * its rows first and asks for this second, for its active rows only: the list's first paint never
 * waits on up to 50 record reads (fs). A session deleted or damaged since it was listed is reported
 * as a miss, never as a failure of the whole request.
 */
export async function ownershipOfMany(
  get: (id: string) => Promise<object | null>,
  ids: readonly string[],
  now: () => number,
): Promise<OwnershipEntry[]> {
  // An array in the order asked, not an object keyed by id: an id is data, never a property name.
  const out: OwnershipEntry[] = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next++;
      const id = ids[index]!;
      try {
        const session = await get(id);
        out[index] =
          session === null
            ? { id, missing: "ERR_SESSION_NOT_FOUND" }
            : { id, ownership: ownershipOf(session, now()) };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        // A closed store fails the request; one damaged record does not.
        if (code === "ERR_STORE_CLOSED") throw error;
        out[index] = { id, missing: typeof code === "string" ? code : "ERR_INTERNAL" };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, ids.length) }, worker));
  return out;
}
