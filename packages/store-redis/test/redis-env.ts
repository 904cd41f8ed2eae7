import { randomBytes } from "node:crypto";
import { openRedisClient, scanStoreKeys } from "@sessionkit/store-redis";
import { Redis } from "ioredis";

/** The server the tests run against (start one with `redis-server --daemonize yes`). */
export const REDIS_URL = process.env.SESSIONKIT_REDIS_URL ?? "redis://127.0.0.1:6379";

/** PING once with a short timeout: null when reachable, otherwise the reason. */
async function probe(): Promise<string | null> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return `Redis not reachable at ${REDIS_URL} (${(error as Error).message})`;
  } finally {
    client.disconnect();
  }
}

/** Why the Redis tests cannot run here, or null when they can. */
export const unreachableReason = await probe();
/** True when the Redis tests run; under CI=true a missing server fails (see the skip cases). */
export const redisAvailable = unreachableReason === null;

/** A fresh key prefix for one test run. */
export function uniquePrefix(tag = "sk_test"): string {
  return `${tag}_${randomBytes(6).toString("hex")}`;
}

/** Runs `fn` with a one-off client, behind the store's back. */
export async function raw<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = openRedisClient(REDIS_URL);
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/** Every key under `prefix`, by SCAN. */
export function keysOf(prefix: string): Promise<string[]> {
  return raw((client) => scanStoreKeys(client, prefix));
}

/** Removes every key under `prefix` (a test's cleanup). */
export function dropPrefix(prefix: string): Promise<void> {
  return raw(async (client) => {
    const found = await scanStoreKeys(client, prefix);
    if (found.length > 0) await client.unlink(...found);
  });
}
