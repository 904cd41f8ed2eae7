import { fileURLToPath } from "node:url";
import type { ConformanceContext } from "@sessionkit/conformance";
import { describeConformance } from "@sessionkit/conformance/vitest";
import { openPostgresStore } from "@sessionkit/store-postgres";
import pg from "pg";
import { describe, it } from "vitest";
import { corruptPgRecord } from "./fault-injectors.js";
import { dropSchemas, PG_URL, pgAvailable, unreachableReason } from "./pg-env.js";

/** Runs `fn` with a one-off client, behind the store's back. */
async function raw<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(PG_URL);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const cleaned = new WeakSet<ConformanceContext>();
function open(ctx: ConformanceContext, changeLog?: { maxLength: number }) {
  if (!cleaned.has(ctx)) {
    cleaned.add(ctx);
    // Registered before the suite's close() hooks, so it runs after them (cleanups run newest first).
    ctx.onCleanup(() => dropSchemas([ctx.namespace]));
  }
  // Opened (connected and migrated) up front, so inspect() sees the tables before the first write.
  return openPostgresStore(
    { connectionString: PG_URL, max: 2 },
    { schema: ctx.namespace, clock: ctx.clock, ...(changeLog ? { changeLog } : {}) },
  );
}

if (pgAvailable) {
  describeConformance({
    name: "store-postgres",
    create: (ctx) => open(ctx),
    reopen: (ctx) => open(ctx),
    createWithChangeLog: (ctx, maxLength) => open(ctx, { maxLength }),
    childModule: fileURLToPath(new URL("./fixtures/child-store.mjs", import.meta.url)),
    childOptions: { connectionString: PG_URL },
    corrupt: (ctx, id, kind) => corruptPgRecord(PG_URL, ctx.namespace, id, kind),
    inspect: (ctx) =>
      raw(async (client) => {
        const sessions = await client.query(`SELECT id FROM "${ctx.namespace}".sessions ORDER BY id`);
        const events = await client.query(
          `SELECT session_id, seq FROM "${ctx.namespace}".events ORDER BY session_id, seq`,
        );
        return [
          ...sessions.rows.map((row) => `sessions:${row.id}`),
          ...events.rows.map((row) => `events:${row.session_id}:${row.seq}`),
        ];
      }),
  });
} else {
  describe("@sessionkit/conformance: store-postgres", () => {
    it.skipIf(process.env.CI !== "true")(
      `runs against a PostgreSQL server (skipped: ${unreachableReason})`,
      () => {
        throw new Error(`${unreachableReason}; CI=true requires it.`);
      },
    );
  });
}
