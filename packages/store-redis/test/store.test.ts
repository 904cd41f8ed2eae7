import { createRedisStore, openRedisClient, scanStoreKeys } from "@sessionkit/store-redis";
import { afterEach, describe, expect, it } from "vitest";
import {
  dropPrefix,
  keysOf,
  REDIS_URL,
  redisAvailable,
  uniquePrefix,
  unreachableReason,
} from "./redis-env.js";

const prefixes: string[] = [];
function fresh(): string {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  return prefix;
}
afterEach(async () => {
  for (const prefix of prefixes.splice(0)) await dropPrefix(prefix);
});

describe.skipIf(!redisAvailable)("store-redis", () => {
  it("uses a shared client without quitting it; the caller closes it", async () => {
    const client = openRedisClient(REDIS_URL);
    const store = createRedisStore({ client, prefix: fresh() });
    await store.create({ id: "session_shared", mode: "m", task: "t" });
    await store.close();
    expect(await client.ping()).toBe("PONG");
    expect(client.status).toBe("ready");
    await client.quit();
  });

  it("honours maxPayloadBytes (a record over it is refused, nothing written) and refuses a misspelt option", async () => {
    const prefix = fresh();
    const store = createRedisStore({ url: REDIS_URL, prefix, maxPayloadBytes: 64 * 1024 });
    try {
      expect(store.capabilities.maxPayloadBytes).toBe(64 * 1024);
      const big = { blob: "x".repeat(128 * 1024) };
      await expect(
        store.create({ id: "session_big", mode: "m", task: "t", context: big }),
      ).rejects.toMatchObject({ code: "ERR_PAYLOAD_TOO_LARGE" });
      expect(await store.get("session_big")).toBeNull();
      expect(await keysOf(prefix)).toEqual([]);
    } finally {
      await store.close();
    }
    for (const bad of [0, 1023, 1.5, "big"]) {
      expect(() => createRedisStore({ url: REDIS_URL, prefix, maxPayloadBytes: bad as number })).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_INPUT" }),
      );
    }
    const misspelt = { url: REDIS_URL, prefix, maxPayloadByte: 1024 } as unknown as Parameters<
      typeof createRedisStore
    >[0];
    expect(() => createRedisStore(misspelt)).toThrow(expect.objectContaining({ code: "ERR_INVALID_INPUT" }));
  });

  it("quits the client it opened on close()", async () => {
    const store = createRedisStore({ url: REDIS_URL, prefix: fresh() });
    await store.create({ id: "session_owned", mode: "m", task: "t" });
    await store.close();
    await expect(store.get("session_owned")).rejects.toMatchObject({ code: "ERR_STORE_CLOSED" });
  });

  it("keeps two prefixes apart and writes only under its own prefix, in the documented layout", async () => {
    const [a, b] = [fresh(), fresh()];
    const left = createRedisStore({ url: REDIS_URL, prefix: a });
    const right = createRedisStore({ url: REDIS_URL, prefix: b });
    try {
      await left.create({ id: "session_one", mode: "m", task: "t" });
      await left.commit("session_one", { events: [{ type: "note", data: { n: 1 } }] });
      expect(await right.get("session_one")).toBeNull();
      expect((await right.list()).items).toEqual([]);
      expect(await keysOf(a)).toEqual([
        `${a}:changes`,
        `${a}:cpos`,
        `${a}:e:session_one`,
        `${a}:s:session_one`,
        `${a}:totals`,
        `${a}:x:all`,
        `${a}:x:m:=m`,
        `${a}:x:pu:active`,
        `${a}:x:st:active`,
      ]);
      expect(await keysOf(b)).toEqual([]);
      await left.delete("session_one");
      // Only the store-wide change log stays (see the README's data layout).
      expect(await keysOf(a)).toEqual([`${a}:changes`, `${a}:cpos`]);
    } finally {
      await left.close();
      await right.close();
    }
  });

  it("refuses a prefix that would match other keys, touching nothing", () => {
    expect(() => createRedisStore({ url: REDIS_URL, prefix: "a*" })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_INPUT" }),
    );
  });

  it("reports an unreachable server as ERR_STORE_IO, never a raw client error", async () => {
    const store = createRedisStore({ url: "redis://127.0.0.1:1", prefix: fresh() });
    await expect(store.get("session_x")).rejects.toMatchObject({ code: "ERR_STORE_IO" });
    await store.close();
  });

  it("finds every key of a prefix by SCAN", async () => {
    const prefix = fresh();
    const client = openRedisClient(REDIS_URL);
    try {
      await client.set(`${prefix}:x`, "1");
      expect(await scanStoreKeys(client, prefix)).toEqual([`${prefix}:x`]);
    } finally {
      await client.quit();
    }
  });
});

describe.runIf(!redisAvailable)("store-redis without a server", () => {
  it.skipIf(process.env.CI !== "true")(`needs Redis (skipped: ${unreachableReason})`, () => {
    throw new Error(`${unreachableReason}; CI=true requires it.`);
  });
});
