import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type ConformanceHarness, formatReport, runConformance } from "@sessionkit/conformance";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { PG_URL } from "./adapters.js";

/** The README's shared-server harness, extracted as it is printed (so the documented code is the tested code). */
function readmeHarnessSource(): string {
  const text = readFileSync(new URL("../adapters-conformance/README.md", import.meta.url), "utf8");
  const marker = text.indexOf("<!-- snippet: shared-server-harness");
  if (marker < 0) throw new Error("the README lost its shared-server-harness snippet");
  const start = text.indexOf("```ts\n", marker) + "```ts\n".length;
  return text.slice(start, text.indexOf("```", start));
}

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function unreachable(): Promise<string | undefined> {
  try {
    await query("SELECT 1");
    return undefined;
  } catch (error) {
    if (process.env.CI === "true") throw error;
    return `PostgreSQL unreachable: ${(error as Error).message}`;
  }
}

const down = await unreachable();

describe("the README's shared-server harness", () => {
  it.skipIf(down !== undefined)(
    `cleans up with ctx.onCleanup: after a run the server holds none of its schemas${down ? ` (skipped: ${down})` : ""}`,
    async () => {
      const file = new URL("./.generated/shared-server-harness.ts", import.meta.url);
      mkdirSync(new URL("./.generated/", import.meta.url), { recursive: true });
      writeFileSync(file, readmeHarnessSource());
      process.env.DATABASE_URL = PG_URL;
      const { harness } = (await import(file.href)) as { harness: ConformanceHarness };

      const namespaces = new Set<string>();
      let seenLive = 0;
      const observed: ConformanceHarness = {
        ...harness,
        async create(ctx) {
          const store = await harness.create(ctx);
          if (!namespaces.has(ctx.namespace)) {
            namespaces.add(ctx.namespace);
            await store.count(); // connects and migrates: the schema now exists
            const rows = await query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [ctx.namespace]);
            seenLive += rows.length;
          }
          return store;
        },
      };
      const report = await runConformance(observed, {
        groups: ["SS-CRUD", "SS-OCC", "SS-CL", "SS-P"],
        iterations: 3,
      });
      expect(report.failed, formatReport(report)).toEqual([]);
      expect(namespaces.size, "cases that opened a store").toBeGreaterThan(20);
      expect(seenLive, "schemas that existed while their case ran").toBe(namespaces.size);
      const left = await query<{ nspname: string }>(
        "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])",
        [[...namespaces]],
      );
      expect(
        left.map((row) => row.nspname),
        "schemas left on the server after the run",
      ).toEqual([]);
    },
  );
});
