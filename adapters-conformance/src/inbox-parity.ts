import type { InboxQuery, ManualClock, SessionStore } from "@sessionkit/core";
import { createPrng, expectDeepEqual } from "./assertions.js";

// Inbox parity: an indexed store's `listAwaitingInput` against a reference store (the memory
// store serves the generic scan), page by page, cursors included, over random histories.

const START = Date.parse("2026-01-01T00:00:00.000Z");

/**
 * Applies the same random history to every store (a deterministic function of `seed`): creates with
 * and without requests, requests, clears, status changes, user moves, deletes, plain appends.
 */
export async function randomInboxHistory(
  stores: SessionStore[],
  clock: ManualClock,
  seed: number,
  count: number,
): Promise<void> {
  // mulberry32, the same sequence per seed as before it moved to createPrng: old seeds still replay.
  const rnd = createPrng(seed).next;
  const pick = <T>(values: T[]): T => values[Math.floor(rnd() * values.length)]!;
  const requests = (i: number) =>
    Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, k) => ({
      requestId: `r${i}-${k}`,
      kind: "approval" as const,
      prompt: "?",
      requestedAt: new Date(START).toISOString(),
      ...(rnd() < 0.6 ? { expiresAt: new Date(START + Math.floor(rnd() * 10) * 60_000).toISOString() } : {}),
      ...(rnd() < 0.7 ? { tags: [pick(["a", "b", "c"]), ...(rnd() < 0.3 ? ["b"] : [])] } : {}),
    }));
  const all = async (fn: (store: SessionStore) => Promise<unknown>) => {
    for (const store of stores) await fn(store);
  };
  for (let i = 0; i < count; i++) {
    const id = `session_s${String(i).padStart(4, "0")}`;
    const user = pick(["u0", "u1", "u2", undefined]);
    const channel = pick(["c0", "c1", undefined]);
    const atCreate = rnd() < 0.15 ? { inputRequests: requests(i) } : {};
    // Some sessions share a createdAt, so the id tiebreak of the order is exercised.
    if (rnd() < 0.6) clock.advance(1 + Math.floor(rnd() * 2000));
    const input = {
      id,
      mode: "m",
      task: "t",
      ...(user ? { userId: user } : {}),
      ...(channel ? { channelId: channel } : {}),
      ...atCreate,
    };
    await all((store) => store.create(input));
    const roll = rnd();
    const later = requests(i);
    if (roll < 0.35)
      await all((store) => store.commit(id, { patch: { inputRequests: later, status: "paused" } }));
    const next = rnd();
    if (next < 0.1) await all((store) => store.commit(id, { patch: { inputRequests: null } }));
    else if (next < 0.2) await all((store) => store.commit(id, { patch: { status: "completed" } }));
    else if (next < 0.3) {
      const userId = pick(["u0", "u3"]);
      await all((store) => store.commit(id, { patch: { userId } }));
    } else if (next < 0.35) await all((store) => store.delete(id));
    else if (next < 0.5) await all((store) => store.commit(id, { events: [{ type: "note", data: { i } }] }));
  }
}

export const INBOX_QUERIES: InboxQuery[] = [
  {},
  { tag: "a" },
  { tag: "b" },
  { tag: "zzz" },
  { userId: "u1" },
  { userId: "u3" },
  { channelId: "c0" },
  { expiringBefore: new Date(START + 3 * 60_000).toISOString() },
  { expiringBefore: new Date(START - 1).toISOString() },
  { userId: "u0", tag: "b", expiringBefore: new Date(START + 6 * 60_000).toISOString() },
  { channelId: "c1", tag: "c" },
];

/** Every page of a query, cursors included, walked with page size `limit`. */
async function pages(store: SessionStore, query: InboxQuery, limit: number) {
  const out: unknown[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listAwaitingInput({ ...query, limit, cursor });
    out.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

/** Walks every query of INBOX_QUERIES at page sizes 1, 3, 7, 100 on both; returns the rows seen at 100. */
export async function expectSameInboxPages(indexed: SessionStore, generic: SessionStore): Promise<number> {
  let rows = 0;
  for (const query of INBOX_QUERIES) {
    for (const limit of [1, 3, 7, 100]) {
      const want = await pages(generic, query, limit);
      expectDeepEqual(
        await pages(indexed, query, limit),
        want,
        `inbox ${JSON.stringify(query)} limit ${limit}`,
      );
      if (limit === 100)
        rows += (want as Array<{ items: unknown[] }>).reduce((n, p) => n + p.items.length, 0);
    }
  }
  return rows;
}
