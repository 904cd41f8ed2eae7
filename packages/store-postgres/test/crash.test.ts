import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { SessionStore } from "@sessionkit/core";
import { createPostgresStore } from "@sessionkit/store-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropSchemas, PG_URL, pgAvailable, skipNote, uniqueSchema } from "./pg-env.js";

const LOOP = fileURLToPath(new URL("./fixtures/commit-loop.mjs", import.meta.url));
const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

/** Starts a child committing to `id` forever; resolves the versions it reports as they come. */
function startLoop(
  schema: string,
  id: string,
  app: string,
): { child: ChildProcess; latest: () => number; progressed: (n: number) => Promise<void> } {
  const url = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}application_name=${app}`;
  const child = spawn(process.execPath, [LOOP, url, schema, id], { stdio: ["ignore", "pipe", "inherit"] });
  let latest = 0;
  let buffer = "";
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    for (const line of lines) latest = Math.max(latest, Number(line));
    for (const waiter of waiters.splice(0)) {
      if (latest >= waiter.n) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  return {
    child,
    latest: () => latest,
    progressed: (n) => new Promise((resolve) => (latest >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

/**
 * The server finishes a statement already sent by a killed client (it may still commit); wait until
 * the dead client's backends are gone before judging the state. Polls; bounded.
 */
async function backendCount(app: string): Promise<number> {
  const client = new pg.Client(PG_URL);
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
      [app],
    );
    return rows[0].n as number;
  } finally {
    await client.end();
  }
}

async function backendsGone(app: string): Promise<void> {
  const client = new pg.Client(PG_URL);
  await client.connect();
  try {
    for (let attempt = 0; attempt < 500; attempt++) {
      const { rows } = await client.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
        [app],
      );
      if (rows[0].n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`backends of ${app} still present after 10 s`);
  } finally {
    await client.end();
  }
}

describe.skipIf(!pgAvailable)(`store-postgres writer killed with SIGKILL${skipNote}`, () => {
  let store: SessionStore;
  let schema: string;
  beforeAll(async () => {
    schema = uniqueSchema();
    schemas.add(schema);
    store = createPostgresStore({ connectionString: PG_URL, max: 2 }, { schema });
    await store.count();
  });
  afterAll(() => store?.close());

  it("leaves each session whole at a version at least the last one reported; the next writer is not blocked", async () => {
    for (let round = 0; round < 8; round++) {
      const { session } = await store.create({ mode: "crash", task: `r${round}` });
      const app = `sk_crash_${randomBytes(4).toString("hex")}`;
      const loop = startLoop(schema, session.id, app);
      await loop.progressed(2 + (round % 4) * 3);
      expect(await backendCount(app)).toBeGreaterThan(0);
      const exited = new Promise((resolve) => loop.child.once("exit", resolve));
      loop.child.kill("SIGKILL");
      await exited;
      await backendsGone(app);
      const seen = loop.latest();
      const full = await store.getWithHistory(session.id);
      const n = full!.version;
      expect(n).toBeGreaterThanOrEqual(seen);
      expect(full!.iterations).toBe(n - 1);
      expect(full!.context).toEqual({ n, pad: "x".repeat(4096), parts: [n, n, n] });
      expect(full!.eventCount).toBe((n - 1) * 2);
      expect(full!.history.map((event) => event.seq)).toEqual(
        Array.from({ length: (n - 1) * 2 }, (_, i) => i + 1),
      );
      const next = await store.commit(session.id, { expectedVersion: n, events: [{ type: "after-crash" }] });
      expect(next.session.version).toBe(n + 1);
      expect((await store.list({ limit: 100 })).corrupt).toEqual([]);
    }
  });
});
