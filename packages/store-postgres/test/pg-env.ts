import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server the tests run against. */
export const PG_URL = process.env.SESSIONKIT_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

function target(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "5432"}`;
  } catch {
    return url;
  }
}

/** Connects once with a short timeout: null when reachable, otherwise the reason. */
async function probe(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return `PostgreSQL not reachable at ${target(PG_URL)} (${(error as Error).message || (error as { code?: string }).code})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL tests cannot run here, or null when they can. */
export const unreachableReason = await probe();
/** Under CI a missing server is a failure, not a skip. */
export const mustHaveServer = process.env.CI === "true";
/** True when the PostgreSQL tests run. */
export const pgAvailable = unreachableReason === null;
/** Suffix for titles of suites that skip, so the reason shows in the report. */
export const skipNote = unreachableReason ? ` (skipped: ${unreachableReason})` : "";

/** A fresh schema name for one test run. */
export function uniqueSchema(prefix = "sk_test"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/** A small pool for tests; the caller ends it. */
export function testPool(max = 2, extra: Omit<pg.PoolConfig, "connectionString" | "max"> = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: PG_URL, max, ...extra });
  pool.on("error", () => undefined);
  return pool;
}

/** Drops schemas made by a test run. */
export async function dropSchemas(schemas: Iterable<string>): Promise<void> {
  const list = [...schemas];
  if (list.length === 0 || !pgAvailable) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const schema of list) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
