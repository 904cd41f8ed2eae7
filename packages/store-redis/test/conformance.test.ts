import { fileURLToPath } from "node:url";
import type { ConformanceContext, CorruptionKind } from "@sessionkit/conformance";
import { describeConformance } from "@sessionkit/conformance/vitest";
import { createRedisStore } from "@sessionkit/store-redis";
import { describe, expect, it } from "vitest";
import { dropPrefix, keysOf, REDIS_URL, raw, redisAvailable, unreachableReason } from "./redis-env.js";

const DAMAGE: Record<CorruptionKind, (record: string) => string> = {
  truncate: (record) => record.slice(0, Math.floor(record.length / 2)),
  garbage: () => "\u0000\u00ff not json at all {{{",
  "wrong-type": (record) => JSON.stringify({ ...JSON.parse(record), iterations: "many", status: 42 }),
  "future-version": (record) => JSON.stringify({ ...JSON.parse(record), schemaVersion: 99 }),
};

const cleaned = new WeakSet<ConformanceContext>();
/** Every prefix the run used: afterAll checks the server holds no key under any of them. */
const used = new Set<string>();
function open(ctx: ConformanceContext, changeLog?: { maxLength: number }) {
  if (!cleaned.has(ctx)) {
    cleaned.add(ctx);
    used.add(ctx.namespace);
    // Registered before the suite's close() hooks, so it runs after them (cleanups run newest first).
    ctx.onCleanup(() => dropPrefix(ctx.namespace));
  }
  return createRedisStore({
    url: REDIS_URL,
    prefix: ctx.namespace,
    clock: ctx.clock,
    ...(changeLog ? { changeLog } : {}),
  });
}

if (redisAvailable) {
  describeConformance({
    name: "store-redis",
    create: (ctx) => open(ctx),
    reopen: (ctx) => open(ctx),
    createWithChangeLog: (ctx, maxLength) => open(ctx, { maxLength }),
    childModule: fileURLToPath(new URL("./fixtures/child-store.mjs", import.meta.url)),
    childOptions: { url: REDIS_URL },
    corrupt: (ctx, id, kind) =>
      raw(async (client) => {
        const key = `${ctx.namespace}:s:${id}`;
        const record = await client.hget(key, "rec");
        if (record === null) throw new Error(`no record for ${id}`);
        await client.hset(key, "rec", DAMAGE[kind](record));
      }),
    // The store-wide change log (stream and counter) stays by design, as SQL stores keep their change table.
    inspect: async (ctx) => (await keysOf(ctx.namespace)).filter((key) => !/:(changes|cpos)$/.test(key)),
    // A crashed writer of this store leaves nothing (no lock keys); plant what a lock-based client would.
    plantDebris: (ctx, id) =>
      raw(async (client) => {
        await client.set(`${ctx.namespace}:lock:${id}`, "pid 4242", "PX", 600_000);
      }),
  });

  // Declared after the suite, so it runs after every case and its cleanups.
  describe("store-redis conformance run", () => {
    it("leaves the server with no key of any prefix it used", async () => {
      const left: string[] = [];
      for (const prefix of used) left.push(...(await keysOf(prefix)));
      expect(used.size).toBeGreaterThan(100);
      expect(left).toEqual([]);
    });
  });
} else {
  describe("@sessionkit/conformance: store-redis", () => {
    it.skipIf(process.env.CI !== "true")(
      `runs against a Redis server (skipped: ${unreachableReason})`,
      () => {
        throw new Error(`${unreachableReason}; CI=true requires it.`);
      },
    );
  });
}
