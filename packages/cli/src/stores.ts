import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { SessionStore } from "@sessionkit/core";
import { usageError } from "./errors.js";
import { withNodeNavigator } from "./node20-navigator.js";
import { importPeer } from "./peer.js";

/** The store the CLI opens when neither --store nor SESSIONKIT_STORE says otherwise: the bot's layout. */
export const DEFAULT_STORE_URL = "fs:./sessions";

/** Where a store lives, parsed from its URL; inspectors (verify, repair) read the raw storage through it. */
export type StoreLocation =
  | { kind: "fs"; dir: string }
  | { kind: "sqlite"; filename: string }
  | { kind: "postgres"; connectionString: string; schema: string }
  | { kind: "redis"; url: string; prefix: string }
  | { kind: "adapter"; module: string; url: string | undefined }
  | { kind: string; url: string };

/** An open store and where it lives; `label` is safe to print (no password). */
export interface OpenedStore {
  store: SessionStore;
  location: StoreLocation;
  label: string;
}

/** How to open a store: `create` lets the verb make a new one (import, migrate target); reads refuse a missing store. */
export interface OpenOptions {
  create: boolean;
}

interface StoreScheme {
  /** URL prefixes this entry opens (`fs:`, `postgres://`, …). */
  prefixes: string[];
  open(url: string, options: OpenOptions): Promise<OpenedStore>;
}

/** Every store URL the CLI knows. A new backend is one entry. */
const SCHEMES: StoreScheme[] = [
  { prefixes: ["fs:", "file:"], open: (url, options) => openFs(url.slice(url.indexOf(":") + 1), options) },
  { prefixes: ["sqlite:"], open: openSqlite },
  { prefixes: ["postgres://", "postgresql://"], open: openPostgres },
  // An optional peer: until @sessionkit/store-redis is installed, ERR_MISSING_DEPENDENCY names it.
  { prefixes: ["redis://", "rediss://"], open: openRedis },
];

async function openRedis(url: string): Promise<OpenedStore> {
  const { url: clientUrl, prefix } = splitRedisUrl(url);
  const { createRedisStore } = await importPeer<typeof import("@sessionkit/store-redis")>(
    "@sessionkit/store-redis",
    `A ${url.split(":")[0]}:// store`,
  );
  const store = createRedisStore({ url: clientUrl, ...(prefix === undefined ? {} : { prefix }) });
  return {
    store,
    location: { kind: "redis", url: clientUrl, prefix: prefix ?? "sessionkit" },
    label: redact(url),
  };
}

/**
 * `?prefix=p` picks store-redis's key prefix (default "sessionkit", the store's own); it is not an
 * ioredis option, so it is taken out. The rest (host, port, /db, password, other options) is ioredis's.
 */
export function splitRedisUrl(url: string): { url: string; prefix: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(
      `Expected a redis://[user:password@]host[:port][/db][?prefix=p] URL, got ${JSON.stringify(redact(url))}.`,
    );
  }
  const prefixes = parsed.searchParams.getAll("prefix");
  if (prefixes.length > 1)
    throw usageError(`Expected one ?prefix= in ${JSON.stringify(redact(url))}, got ${prefixes.length}.`);
  parsed.searchParams.delete("prefix");
  return { url: parsed.toString(), prefix: prefixes[0] };
}

/** Opens a store from a URL (bare paths are fs directories), or through a third-party adapter module. */
export async function openStore(
  url: string | undefined,
  adapter: string | undefined,
  options: OpenOptions,
): Promise<OpenedStore> {
  if (adapter !== undefined) return openAdapter(adapter, url ?? process.env.SESSIONKIT_STORE);
  const chosen = url ?? process.env.SESSIONKIT_STORE ?? DEFAULT_STORE_URL;
  const scheme = SCHEMES.find((entry) => entry.prefixes.some((prefix) => chosen.startsWith(prefix)));
  if (scheme) return scheme.open(chosen, options);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chosen)) {
    throw usageError(
      `Expected a store URL of a known kind (fs:DIR, sqlite:FILE, postgres://…, redis://…), got ${JSON.stringify(redact(chosen))}. Use one of those, or --adapter <module> for another store.`,
    );
  }
  return openFs(chosen, options);
}

async function openFs(path: string, options: OpenOptions): Promise<OpenedStore> {
  const dir = resolve(path || "./sessions");
  refuseMissing(dir, options, "directory");
  const { createFsStore } = await import("@sessionkit/store-fs");
  return { store: createFsStore({ dir }), location: { kind: "fs", dir }, label: `fs:${path}` };
}

async function openSqlite(url: string, options: OpenOptions): Promise<OpenedStore> {
  const filename = resolve(url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, ""));
  refuseMissing(filename, options, "database file");
  const { createSqliteStore } = await importPeer<typeof import("@sessionkit/store-sqlite")>(
    "@sessionkit/store-sqlite",
    "A sqlite: store",
  );
  return { store: createSqliteStore({ filename }), location: { kind: "sqlite", filename }, label: url };
}

async function openPostgres(url: string, options: OpenOptions): Promise<OpenedStore> {
  const { connectionString, schema } = splitPostgresUrl(url);
  const { openPostgresStore } = await withNodeNavigator(() =>
    importPeer<typeof import("@sessionkit/store-postgres")>(
      "@sessionkit/store-postgres",
      "A postgres:// store",
    ),
  );
  const store = await openPostgresStore({ connectionString, max: 8 }, { schema, migrate: options.create });
  return { store, location: { kind: "postgres", connectionString, schema }, label: redact(url) };
}

/** `?schema=name` picks the PostgreSQL schema (default "sessionkit"); it is not a libpq parameter, so it is taken out. */
export function splitPostgresUrl(url: string): { connectionString: string; schema: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? "sessionkit";
  parsed.searchParams.delete("schema");
  return { connectionString: parsed.toString(), schema };
}

async function openAdapter(module: string, url: string | undefined): Promise<OpenedStore> {
  // A path (./x.mjs, /abs/x.mjs, or any existing file) is loaded as a file; anything else as a package.
  const isFile = /^[./]/.test(module) || existsSync(module);
  const specifier = isFile ? pathToFileURL(resolve(module)).href : module;
  const loaded = (await importPeer<Record<string, unknown>>(specifier, "--adapter")) as {
    createStore?: unknown;
    default?: unknown;
  };
  const factory = loaded.createStore ?? loaded.default;
  if (typeof factory !== "function") {
    throw usageError(
      `Expected the adapter module ${JSON.stringify(module)} to export a factory \`createStore({ url })\` (or a default function), got none. Export one that returns a SessionStore.`,
    );
  }
  const store = (await factory({ url })) as SessionStore;
  if (typeof store?.list !== "function" || typeof store.get !== "function") {
    throw usageError(
      `Expected the adapter ${JSON.stringify(module)}'s factory to return a SessionStore, got ${typeof store}.`,
    );
  }
  return { store, location: { kind: "adapter", module, url }, label: `adapter:${module}` };
}

function refuseMissing(path: string, options: OpenOptions, what: string): void {
  if (options.create || existsSync(path)) return;
  throw usageError(
    `Expected a store at ${JSON.stringify(path)}, but there is no such ${what}. Pass --store <url> (or set SESSIONKIT_STORE) to point at your sessions.`,
    { path },
  );
}

/** The URL with any password replaced, for messages and reports. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@/]*@/, "$1***@");
}
