import {
  createManualClock,
  type Session,
  type SessionFilter,
  type SessionStatus,
  type SessionStore,
} from "@sessionkit/core";
import { indexableMetadata } from "@sessionkit/core/driver";
import { createRedisStore } from "@sessionkit/store-redis";
import { afterAll, describe, expect, it } from "vitest";
import { dropPrefix, keysOf, REDIS_URL, raw, redisAvailable, uniquePrefix } from "./redis-env.js";

if (!redisAvailable && process.env.CI === "true") throw new Error("CI=true and Redis is not reachable");

const OPERATIONS = 2_000;
const STATUSES: SessionStatus[] = ["active", "paused", "completed", "failed", "timeout"];
const USERS = ["u1", "u2", "u:3", undefined];
const CHANNELS = ["c1", "c2", undefined];
const MODES = ["code", "research", "ünï"];
const METADATA = [
  { model: "a" },
  { model: "b", priority: 2 },
  { priority: "2", flag: true },
  { none: null },
  {},
];

/** A small deterministic PRNG (Park–Miller), so a failure replays exactly. */
function prng(seed: number) {
  let state = seed;
  return {
    int: (n: number) => {
      state = (state * 48271) % 2147483647;
      return state % n;
    },
    pick<T>(list: readonly T[]): T {
      return list[this.int(list.length)] as T;
    },
  };
}

/** The documented key part of a filter value (keys.ts / index-entry.ts): `=text` for well-formed text. */
const part = (value: string) => `=${value}`;
function metadataPart(value: string | number | boolean | null): string {
  if (value === null) return "z";
  if (typeof value === "boolean") return `b${value}`;
  if (typeof value === "number") return `n${value}`;
  return `s${part(value)}`;
}

/**
 * The index every set and total should hold, recounted from the session records found by SCAN
 * (the records are the truth; the sets and totals are what the scripts maintained move by move).
 */
async function recount(prefix: string): Promise<{
  sessions: Session[];
  sets: Map<string, string[]>;
  totals: Record<string, string>;
}> {
  const keys = await keysOf(prefix);
  const sessions = await raw(async (client) => {
    const out: Session[] = [];
    for (const key of keys.filter((k) => k.startsWith(`${prefix}:s:`))) {
      const text = await client.hget(key, "rec");
      const { schemaVersion: _, ...session } = JSON.parse(text!) as Session & { schemaVersion?: number };
      out.push(session as Session);
    }
    return out;
  });
  const sets = new Map<string, string[]>();
  const add = (key: string, member: string) => sets.set(key, [...(sets.get(key) ?? []), member]);
  const totals: Record<string, number> = {};
  const bump = (field: string, by: number) => {
    totals[field] = (totals[field] ?? 0) + by;
  };
  for (const s of sessions) {
    const member = `${s.createdAt}|${s.id}`;
    add(`${prefix}:x:all`, member);
    add(`${prefix}:x:m:${part(s.mode)}`, member);
    add(`${prefix}:x:st:${s.status}`, member);
    if (s.userId !== undefined) add(`${prefix}:x:u:${part(s.userId)}`, member);
    if (s.channelId !== undefined) add(`${prefix}:x:c:${part(s.channelId)}`, member);
    for (const [key, value] of indexableMetadata(s.metadata))
      add(`${prefix}:x:md:${key}=${metadataPart(value)}`, member);
    if ((s.inputRequests?.length ?? 0) > 0 && (s.status === "active" || s.status === "paused"))
      add(`${prefix}:x:inbox`, member);
    add(`${prefix}:x:pu:${s.status}`, `${s.updatedAt}|${s.id}`);
    bump("n", 1);
    bump(`st:${s.status}`, 1);
    bump(`md:${part(s.mode)}`, 1);
    bump("it", s.iterations);
    bump("ec", s.eventCount);
  }
  for (const [key, members] of sets) sets.set(key, members.sort());
  const kept = Object.entries(totals).filter(([, value]) => value !== 0);
  return { sessions, sets, totals: Object.fromEntries(kept.map(([k, v]) => [k, String(v)])) };
}

/** What the server holds: every index set (members sorted) and the totals hash. */
async function actual(prefix: string) {
  const keys = await keysOf(prefix);
  return raw(async (client) => {
    const sets = new Map<string, string[]>();
    for (const key of keys.filter((k) => k.startsWith(`${prefix}:x:`)).sort())
      sets.set(key, (await client.zrange(key, 0, -1)).sort());
    return { sets, totals: await client.hgetall(`${prefix}:totals`) };
  });
}

/** One random operation through the store's public API; errors the contract allows are part of the game. */
async function randomOperation(store: SessionStore, ids: string[], rand: ReturnType<typeof prng>) {
  const roll = rand.int(100);
  const id = ids.length > 0 ? rand.pick(ids) : undefined;
  if (roll < 30 || id === undefined) {
    const userId = rand.pick(USERS);
    const channelId = rand.pick(CHANNELS);
    const created = await store.create({
      mode: rand.pick(MODES),
      task: "random",
      status: rand.pick(STATUSES),
      metadata: rand.pick(METADATA),
      ...(userId === undefined ? {} : { userId }),
      ...(channelId === undefined ? {} : { channelId }),
    });
    ids.push(created.session.id);
  } else if (roll < 70) {
    const patch = [
      { status: rand.pick(STATUSES) },
      { mode: rand.pick(MODES) },
      { userId: rand.pick(USERS) ?? null },
      { channelId: rand.pick(CHANNELS) ?? null },
      { metadata: rand.pick(METADATA) },
      { iterations: rand.int(50) },
      {
        inputRequests:
          rand.int(2) === 0
            ? null
            : [
                {
                  requestId: `req_${rand.int(9)}`,
                  kind: "approval",
                  prompt: "ok?",
                  requestedAt: new Date(0).toISOString(),
                },
              ],
      },
    ][rand.int(7)];
    const events = Array.from({ length: rand.int(3) }, (_, k) => ({ type: "step", data: { k } }));
    await store.commit(id, { patch: patch as never, events });
  } else if (roll < 78) {
    await store.delete(id);
    ids.splice(ids.indexOf(id), 1);
  } else if (roll < 80) {
    const pruned = await store.prune({
      olderThan: store.clock.now() - 600_000,
      statuses: [rand.pick(STATUSES)],
    });
    for (const gone of pruned.ids) ids.splice(ids.indexOf(gone), 1);
  } else if (roll < 90) {
    const session = await store.getWithHistory(id);
    if (session === null) return;
    const { history, ...state } = session;
    await store.importSession({ ...state, status: rand.pick(STATUSES), mode: rand.pick(MODES) }, history, {
      overwrite: true,
    });
  } else {
    // A conditional commit at a version the session is not at: refused, and must move nothing.
    const current = await store.get(id);
    await expect(
      store.commit(id, { expectedVersion: current!.version + 1, patch: { status: "failed" } }),
    ).rejects.toMatchObject({ code: "ERR_VERSION_CONFLICT" });
  }
}

describe.skipIf(!redisAvailable)("store-redis indexes after random operations", () => {
  const prefix = uniquePrefix("sk_exact");
  const clock = createManualClock();
  const store = createRedisStore({ url: REDIS_URL, prefix, clock });
  afterAll(async () => {
    await store.close();
    await dropPrefix(prefix);
  });

  it(`every sorted set and running total equals a SCAN-based recount after ${OPERATIONS} random operations`, async () => {
    const rand = prng(20_251_204);
    const ids: string[] = [];
    for (let op = 0; op < OPERATIONS; op++) {
      clock.advance(1 + rand.int(2_000));
      await randomOperation(store, ids, rand);
      if (op % 500 === 499) {
        const expected = await recount(prefix);
        const got = await actual(prefix);
        expect(got.sets, `index sets after ${op + 1} operations`).toEqual(expected.sets);
        expect(got.totals, `totals after ${op + 1} operations`).toEqual(expected.totals);
      }
    }
    const { sessions } = await recount(prefix);
    expect(sessions.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(sessions.length).toBeGreaterThan(50);

    // The queries over those sets answer what a filter over the records answers.
    const stats = await store.stats();
    expect(stats.total).toBe(sessions.length);
    for (const status of STATUSES)
      expect(stats.byStatus[status]).toBe(sessions.filter((s) => s.status === status).length);
    expect(stats.events).toBe(sessions.reduce((sum, s) => sum + s.eventCount, 0));
    const filters: Array<[SessionFilter, (s: Session) => boolean]> = [
      [{ userId: "u:3" }, (s) => s.userId === "u:3"],
      [{ channelId: "c2", mode: "ünï" }, (s) => s.channelId === "c2" && s.mode === "ünï"],
      [{ status: ["paused", "timeout"] }, (s) => s.status === "paused" || s.status === "timeout"],
      [{ metadata: { priority: 2 } }, (s) => s.metadata?.priority === 2],
      [{ metadata: { priority: "2" } }, (s) => s.metadata?.priority === "2"],
    ];
    for (const [filter, match] of filters) {
      const want = sessions
        .filter(match)
        .sort((a, b) =>
          a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
        )
        .map((s) => s.id);
      expect(await store.count(filter), JSON.stringify(filter)).toBe(want.length);
      const listed: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.list({ ...filter, limit: 37, cursor });
        listed.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(listed, JSON.stringify(filter)).toEqual(want);
    }
    const inbox = sessions.filter(
      (s) => (s.inputRequests?.length ?? 0) > 0 && (s.status === "active" || s.status === "paused"),
    );
    const waiting = await store.listAwaitingInput({ limit: 1000 });
    expect(waiting.items.map((item) => item.session.id).sort()).toEqual(inbox.map((s) => s.id).sort());
  });
});
