// Opens each adapter by its npm name, so the bench measures the built packages exactly as users get them.
// A package that is missing or not built makes the adapter "not available: <reason>", never a crash.
import crypto from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

export const PG_URL = process.env.SESSIONKIT_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Adapter name → npm package. */
export const ADAPTER_PACKAGES = {
  memory: "@sessionkit/core",
  fs: "@sessionkit/store-fs",
  sqlite: "@sessionkit/store-sqlite",
  postgres: "@sessionkit/store-postgres",
  redis: "@sessionkit/store-redis",
};

export const REDIS_URL = process.env.SESSIONKIT_REDIS_URL ?? "redis://127.0.0.1:6379";

export function packageVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), "utf8")).version;
  } catch {
    return null;
  }
}

const loaded = new Map();

/** Imports an adapter package; resolves to { ok, factory, version } or { ok: false, reason }. */
export async function loadAdapter(adapter) {
  if (loaded.has(adapter)) return loaded.get(adapter);
  const pkg = ADAPTER_PACKAGES[adapter];
  let result;
  try {
    if (!pkg) throw new Error(`unknown adapter "${adapter}"`);
    const mod = await import(pkg);
    const factory = {
      memory: mod.createMemoryStore,
      fs: mod.createFsStore,
      sqlite: mod.createSqliteStore,
      postgres: mod.createPostgresStore,
      redis: mod.createRedisStore,
    }[adapter];
    if (typeof factory !== "function") throw new Error(`${pkg} does not export its create function`);
    result = { ok: true, factory, pkg, version: packageVersion(pkg) };
  } catch (error) {
    const code = error?.code;
    const reason =
      code === "ERR_MODULE_NOT_FOUND" || code === "ERR_PACKAGE_PATH_NOT_EXPORTED"
        ? `${pkg} is not installed or not built (${error.message.split("\n")[0]})`
        : `${pkg} failed to load: ${error?.message ?? error}`;
    result = { ok: false, reason };
  }
  loaded.set(adapter, result);
  return result;
}

/**
 * Where a fresh data set of `adapter` lives, plus store options; serialisable so child processes can
 * open the same storage.
 */
export function makeSpec(adapter, runDir, tag, options = {}) {
  const safe = tag.replace(/[^A-Za-z0-9_]/g, "_");
  switch (adapter) {
    case "memory":
      return { adapter, options };
    case "fs":
      return { adapter, options, dir: path.join(runDir, `fs-${safe}`) };
    case "sqlite":
      return { adapter, options, filename: path.join(runDir, `sqlite-${safe}.db`) };
    case "postgres":
      return {
        adapter,
        options,
        connectionString: PG_URL,
        schema: pgSchemaName(safe),
      };
    case "redis":
      return { adapter, options, url: REDIS_URL, prefix: `skbench_${process.pid}_${safe}` };
    default:
      throw new Error(`unknown adapter ${adapter}`);
  }
}

/**
 * `skbench_<pid>_<tag>`, at most 40 characters: store-postgres names its prepared statements
 * `sk_<schema>_<statement>` and PostgreSQL cuts names at 63, so a long tag made two statements share
 * one name (pg warned "conflicts and silent errors" in the ownership workload). A long tag keeps its
 * start and gets a short hash of the whole.
 */
function pgSchemaName(safe) {
  const name = `skbench_${process.pid}_${safe}`.toLowerCase();
  if (name.length <= 40) return name;
  const hash = crypto.createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, 31)}_${hash}`;
}

/** Opens the store a spec names (creating its storage if needed). */
export async function openStore(spec) {
  const a = await loadAdapter(spec.adapter);
  if (!a.ok) throw new Error(a.reason);
  switch (spec.adapter) {
    case "memory":
      return a.factory({ ...spec.options });
    case "fs":
      fs.mkdirSync(spec.dir, { recursive: true });
      return a.factory({ dir: spec.dir, ...spec.options });
    case "sqlite":
      return a.factory({ filename: spec.filename, ...spec.options });
    case "postgres":
      return a.factory({ connectionString: spec.connectionString }, { schema: spec.schema, ...spec.options });
    case "redis":
      return a.factory({ url: spec.url, prefix: spec.prefix, ...spec.options });
    default:
      throw new Error(`unknown adapter ${spec.adapter}`);
  }
}

/** Removes the storage of a spec (files, or the PostgreSQL schema). */
export async function destroySpec(spec, pgAdmin) {
  if (spec.adapter === "fs") fs.rmSync(spec.dir, { recursive: true, force: true });
  if (spec.adapter === "sqlite") {
    for (const f of [spec.filename, `${spec.filename}-wal`, `${spec.filename}-shm`])
      fs.rmSync(f, { force: true });
  }
  if (spec.adapter === "postgres" && pgAdmin)
    await pgAdmin.query(`DROP SCHEMA IF EXISTS "${spec.schema}" CASCADE`);
  if (spec.adapter === "redis") {
    const { openRedisClient, scanStoreKeys } = await import("@sessionkit/store-redis");
    const client = openRedisClient(spec.url);
    try {
      const keys = await scanStoreKeys(client, spec.prefix);
      for (let i = 0; i < keys.length; i += 1000) await client.unlink(...keys.slice(i, i + 1000));
    } finally {
      client.disconnect();
    }
  }
}

/** The store configurations every workload runs, in display order. */
export const SUBJECTS = [
  { id: "memory", adapter: "memory", label: "memory (core)", options: {} },
  { id: "fs", adapter: "fs", label: "fs (default: durability fsync)", options: {} },
  { id: "fs-none", adapter: "fs", label: "fs (durability none)", options: { durability: "none" } },
  { id: "sqlite", adapter: "sqlite", label: "sqlite", options: {} },
  { id: "postgres", adapter: "postgres", label: "postgres", options: {} },
  { id: "redis", adapter: "redis", label: "redis", options: {} },
];
