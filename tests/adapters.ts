import { join } from "node:path";
import type { ConformanceContext } from "@sessionkit/conformance";
import { createMemoryStore, type SessionStore } from "@sessionkit/core";

/** The PostgreSQL server the repository's tests use. */
export const PG_URL = process.env.SESSIONKIT_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** The Redis server the repository's tests use. */
export const REDIS_URL = process.env.SESSIONKIT_REDIS_URL ?? "redis://127.0.0.1:6379";

type RedisModule = typeof import("@sessionkit/store-redis");

/** undefined when the server answers PING within 3 s, else why not. */
async function redisReachable(redis: RedisModule): Promise<string | undefined> {
  const client = redis.openRedisClient(REDIS_URL);
  try {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("no answer in 3 s")), 3000),
    );
    await Promise.race([client.ping(), timeout]);
    return undefined;
  } catch (error) {
    return `Redis at ${REDIS_URL.replace(/\/\/[^@]*@/, "//")} is unreachable (${(error as Error).message})`;
  } finally {
    client.disconnect();
  }
}

/** Removes every key of a store prefix (a context's cleanup). */
async function dropPrefix(redis: RedisModule, prefix: string): Promise<void> {
  const client = redis.openRedisClient(REDIS_URL);
  try {
    const keys = await redis.scanStoreKeys(client, prefix);
    if (keys.length > 0) await client.unlink(...keys);
  } finally {
    client.disconnect();
  }
}

/** One adapter of this repository, ready to open on a test context. */
export interface RepoAdapter {
  name: string;
  /** Why it cannot run here (package not built, server unreachable); undefined when it can. */
  skip?: string;
  /** A store on fresh storage for `ctx` (the context's dir / namespace), stamped by `ctx.clock`. */
  create(ctx: ConformanceContext): Promise<SessionStore>;
  /** Another handle on the same storage as create(ctx); absent for the memory store. */
  reopen?(ctx: ConformanceContext): Promise<SessionStore>;
}

const unavailable = (name: string, skip: string): RepoAdapter => ({
  name,
  skip,
  create: () => Promise.reject(new Error(`${name} is unavailable: ${skip}`)),
});

async function tryImport<T>(specifier: string): Promise<T | string> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    return `${specifier} cannot be loaded (${(error as Error).message.split("\n")[0]}); build it first`;
  }
}

async function postgresReachable(): Promise<string | undefined> {
  const pg = await tryImport<{
    default: { Client: new (config: object) => { connect(): Promise<void>; end(): Promise<void> } };
  }>("pg");
  if (typeof pg === "string") return pg;
  const client = new pg.default.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${PG_URL.replace(/\/\/[^@]*@/, "//")} is unreachable (${(error as Error).message})`;
  }
}

async function dropSchema(schema: string): Promise<void> {
  const specifier = "pg";
  const pg = (await import(specifier)) as unknown as {
    default: {
      Client: new (
        config: object,
      ) => { connect(): Promise<void>; query(sql: string): Promise<unknown>; end(): Promise<void> };
    };
  };
  const client = new pg.default.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Every adapter in the repository, memory first (the reference). An adapter that cannot run here
 * carries `skip`; under CI=true an unreachable PostgreSQL server is an error instead.
 */
export async function repoAdapters(): Promise<RepoAdapter[]> {
  const adapters: RepoAdapter[] = [
    { name: "memory", create: async (ctx) => createMemoryStore({ clock: ctx.clock }) },
  ];

  const fs = await tryImport<typeof import("@sessionkit/store-fs")>("@sessionkit/store-fs");
  if (typeof fs === "string") adapters.push(unavailable("fs", fs));
  else {
    const open = async (ctx: ConformanceContext) =>
      fs.createFsStore({ dir: join(ctx.dir, "sessions"), clock: ctx.clock, durability: "none" });
    adapters.push({ name: "fs", create: open, reopen: open });
  }

  const sqlite = await tryImport<typeof import("@sessionkit/store-sqlite")>("@sessionkit/store-sqlite");
  if (typeof sqlite === "string") adapters.push(unavailable("sqlite", sqlite));
  else {
    const open = async (ctx: ConformanceContext) =>
      sqlite.createSqliteStore({ filename: join(ctx.dir, "sessions.sqlite"), clock: ctx.clock });
    adapters.push({ name: "sqlite", create: open, reopen: open });
  }

  const postgres = await tryImport<typeof import("@sessionkit/store-postgres")>("@sessionkit/store-postgres");
  const down = typeof postgres === "string" ? postgres : await postgresReachable();
  if (down !== undefined) {
    if (process.env.CI === "true" && typeof postgres !== "string")
      throw new Error(`CI=true requires PostgreSQL: ${down}`);
    adapters.push(unavailable("postgres", down));
  } else if (typeof postgres !== "string") {
    const dropped = new Set<string>();
    const open = async (ctx: ConformanceContext) => {
      if (!dropped.has(ctx.namespace)) {
        dropped.add(ctx.namespace);
        ctx.onCleanup(() => dropSchema(ctx.namespace));
      }
      return postgres.createPostgresStore(
        { connectionString: PG_URL, max: 4 },
        { schema: ctx.namespace, clock: ctx.clock },
      );
    };
    adapters.push({ name: "postgres", create: open, reopen: open });
  }

  const redis = await tryImport<RedisModule>("@sessionkit/store-redis");
  const redisDown = typeof redis === "string" ? redis : await redisReachable(redis);
  if (redisDown !== undefined) {
    if (process.env.CI === "true" && typeof redis !== "string")
      throw new Error(`CI=true requires Redis: ${redisDown}`);
    adapters.push(unavailable("redis", redisDown));
  } else if (typeof redis !== "string") {
    const cleaned = new Set<string>();
    const open = async (ctx: ConformanceContext) => {
      if (!cleaned.has(ctx.namespace)) {
        cleaned.add(ctx.namespace);
        ctx.onCleanup(() => dropPrefix(redis, ctx.namespace));
      }
      return redis.createRedisStore({ url: REDIS_URL, prefix: ctx.namespace, clock: ctx.clock });
    };
    adapters.push({ name: "redis", create: open, reopen: open });
  }
  return adapters;
}
