import type { Session, SessionFilter, SessionStatus, SessionStore, SessionSummary } from "@sessionkit/core";
import { createPrng, freshId, input } from "../assertions.js";
import type { ConformanceContext } from "../harness.js";

/** Filter values chosen to trip LIKE, regex and quoting bugs; every one must match literally. */
export const TRICKY_VALUES = [
  "alice",
  "Alice",
  "a%",
  "a_b",
  "a.*",
  "O'Brien",
  'q"uote',
  "back\\slash",
  "ünï",
  "%",
  "_",
];

/** The contract's filter; the suite matches it with its own oracle, not core's implementation. */
export type OracleFilter = SessionFilter;

/** The suite's oracle for a filter. */
export function oracleMatches(row: SessionSummary, filter: OracleFilter): boolean {
  if (filter.userId !== undefined && row.userId !== filter.userId) return false;
  if (filter.channelId !== undefined && row.channelId !== filter.channelId) return false;
  if (filter.mode !== undefined && row.mode !== filter.mode) return false;
  if (filter.status !== undefined) {
    const list: string[] = Array.isArray(filter.status) ? filter.status : [filter.status];
    if (!list.includes(row.status)) return false;
  }
  const t = (value: string) => Date.parse(value);
  if (filter.createdAfter !== undefined && t(row.createdAt) < t(filter.createdAfter)) return false;
  if (filter.createdBefore !== undefined && t(row.createdAt) > t(filter.createdBefore)) return false;
  if (filter.updatedAfter !== undefined && t(row.updatedAt) < t(filter.updatedAfter)) return false;
  if (filter.updatedBefore !== undefined && t(row.updatedAt) > t(filter.updatedBefore)) return false;
  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    const meta = row.metadata as Record<string, unknown> | undefined;
    if (!meta || !Object.hasOwn(meta, key) || meta[key] !== value) return false;
  }
  return true;
}

/** The documented order: createdAt descending, then id descending (code units). */
export function oracleOrder(a: SessionSummary, b: SessionSummary): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

const STATUSES: SessionStatus[] = ["active", "paused", "completed", "failed", "timeout"];

/** Seeds `count` varied sessions (ties in createdAt included) and returns their summaries as stored. */
export async function seedDataset(
  store: SessionStore,
  ctx: ConformanceContext,
  count = 30,
  seed = 7,
): Promise<SessionSummary[]> {
  const rng = createPrng(seed);
  const ids: string[] = [];
  for (let k = 0; k < count; k++) {
    if (rng.next() < 0.7) ctx.clock.advance(1 + rng.int(3) * 500);
    const id = freshId(rng.pick(["A", "a", "Z", "z", "0", "9", "_", "-"]));
    ids.push(id);
    const metadata: Record<string, unknown> = {};
    if (rng.next() < 0.8) metadata.tier = rng.pick(["gold", "silver", "Gold"]);
    if (rng.next() < 0.5) metadata.n = rng.pick([1, "1", 0, 2]);
    if (rng.next() < 0.5) metadata.flag = rng.pick([true, false, null, "true"]);
    if (rng.next() < 0.2) metadata.nested = { tier: "gold" };
    await store.create(
      input({
        id,
        mode: rng.pick(["chat", "code", "review"]),
        ...(rng.next() < 0.85 ? { userId: rng.pick(TRICKY_VALUES) } : {}),
        ...(rng.next() < 0.7 ? { channelId: rng.pick(["c1", "c2", "C1"]) } : {}),
        iterations: rng.int(10),
        ...(Object.keys(metadata).length > 0 ? { metadata: metadata as never } : {}),
      }),
      { events: Array.from({ length: rng.int(3) }, () => ({ type: "start" })) },
    );
  }
  for (const id of ids) {
    if (rng.next() < 0.6) {
      ctx.clock.advance(rng.int(4) * 250);
      const status = rng.pick(STATUSES);
      await store.commit(id, {
        patch: { status, iterations: rng.int(20) },
        events: [{ type: status === "active" ? "resume" : status }],
      });
    }
  }
  const rows: SessionSummary[] = [];
  for (const id of ids) rows.push(summaryOf((await store.get(id))!));
  return rows.sort(oracleOrder);
}

/** The summary of a session, as list() must return it. */
export function summaryOf(session: Session): SessionSummary {
  const { context: _c, result: _r, error: _e, pause: _p, ...summary } = session;
  return summary;
}
