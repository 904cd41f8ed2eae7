import { randomBytes } from "node:crypto";
import { createManualClock, isSessionKitError } from "@sessionkit/core";
import { createPostgresStore, openPostgresStore } from "@sessionkit/store-postgres";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchemas, PG_URL, pgAvailable, skipNote, testPool, uniqueSchema } from "./pg-env.js";

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

async function connectionsNamed(applicationName: string): Promise<number> {
  const client = new pg.Client(PG_URL);
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
      [applicationName],
    );
    return rows[0].n as number;
  } finally {
    await client.end();
  }
}

describe("store-postgres options and failures without a server", () => {
  it("refuses a schema name that is not a lower-case identifier, before connecting", () => {
    for (const schema of ["Public", "a-b", 'x"; DROP SCHEMA public; --', "", "1abc", "a".repeat(64)]) {
      let caught: unknown;
      try {
        createPostgresStore({ connectionString: PG_URL }, { schema });
      } catch (error) {
        caught = error;
      }
      expect(isSessionKitError(caught, "ERR_INVALID_INPUT")).toBe(true);
      expect((caught as Error).message).toContain("schema");
    }
  });

  it("refuses options it does not know and a connection that is neither a string nor a pool", () => {
    expect(() => createPostgresStore({ connectionString: PG_URL }, { schemaName: "x" } as never)).toThrow(
      /schemaName|options/,
    );
    expect(() => createPostgresStore({ pool: {} } as never)).toThrow(/pool|connection/);
  });

  it("an unreachable server gives ERR_STORE_IO naming host:port, and the raw error only as cause", async () => {
    const store = createPostgresStore({
      connectionString: "postgres://postgres@127.0.0.1:1/test",
      connectionTimeoutMillis: 2000,
    });
    const error = await store.get("session_x").catch((caught: unknown) => caught);
    expect(isSessionKitError(error, "ERR_STORE_IO")).toBe(true);
    expect((error as Error).message).toContain("PostgreSQL not reachable at 127.0.0.1:1");
    expect((error as Error).cause).toBeInstanceOf(Error);
    // Later calls try again rather than replaying a cached failure.
    const again = await store.count().catch((caught: unknown) => caught);
    expect(isSessionKitError(again, "ERR_STORE_IO")).toBe(true);
    await store.close();
    const closed = await store.get("session_x").catch((caught: unknown) => caught);
    expect(isSessionKitError(closed, "ERR_STORE_CLOSED")).toBe(true);
  });

  it("has no synchronous face: sync() is ERR_UNSUPPORTED_CAPABILITY", async () => {
    const store = createPostgresStore({ connectionString: PG_URL });
    expect(store.capabilities).toMatchObject({
      persistent: true,
      multiHandle: true,
      multiProcess: true,
      crashSafe: true,
      sync: false,
    });
    expect(() => store.sync()).toThrow(expect.objectContaining({ code: "ERR_UNSUPPORTED_CAPABILITY" }));
    await store.close();
  });
});

describe.skipIf(!pgAvailable)(`store-postgres resources${skipNote}`, () => {
  it("a store handed a pool leaves it open on close; one that made its pool ends it", async () => {
    const schema = uniqueSchema();
    schemas.add(schema);
    const pool = testPool(2);
    const handed = createPostgresStore({ pool }, { schema });
    await handed.create({ mode: "m", task: "t" });
    await handed.close();
    expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await pool.end();

    const app = `sk_owned_${randomBytes(4).toString("hex")}`;
    const owned = await openPostgresStore(
      { connectionString: `${PG_URL}?application_name=${app}`, max: 2 },
      { schema },
    );
    await Promise.all([owned.count(), owned.list(), owned.stats()]);
    expect(await connectionsNamed(app)).toBeGreaterThan(0);
    await owned.close();
    // The server drops a backend just after its client hangs up; poll briefly (bounded) for that.
    let left = await connectionsNamed(app);
    for (let attempt = 0; left > 0 && attempt < 100; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      left = await connectionsNamed(app);
    }
    expect(left).toBe(0);
  });

  it("close waits for operations in flight, then refuses new ones", async () => {
    const schema = uniqueSchema();
    schemas.add(schema);
    const store = createPostgresStore({ connectionString: PG_URL, max: 2 }, { schema });
    const { session } = await store.create({ mode: "m", task: "t" });
    const inflight = Array.from({ length: 10 }, (_, i) =>
      store.commit(session.id, { events: [{ type: "iteration", data: { i } }] }),
    );
    await store.close();
    const results = await Promise.allSettled(inflight);
    expect(results.every((result) => result.status === "fulfilled")).toBe(true);
    const reopened = createPostgresStore({ connectionString: PG_URL, max: 1 }, { schema });
    expect((await reopened.get(session.id))?.eventCount).toBe(10);
    await reopened.close();
  });

  it("a damaged row is ERR_CORRUPT_RECORD on get, reported by list, and can still be deleted", async () => {
    const schema = uniqueSchema();
    schemas.add(schema);
    const clock = createManualClock();
    const store = createPostgresStore({ connectionString: PG_URL, max: 2 }, { schema, clock });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      ids.push((await store.create({ mode: "m", task: `t${i}` })).session.id);
    }
    const client = new pg.Client(PG_URL);
    await client.connect();
    try {
      await client.query(`UPDATE "${schema}".sessions SET record = left(record, 20) WHERE id = $1`, [ids[3]]);
      await client.query(
        `UPDATE "${schema}".sessions SET record = replace(record, '"schemaVersion":2', '"schemaVersion":9') WHERE id = $1`,
        [ids[1]],
      );
    } finally {
      await client.end();
    }
    const damaged = await store.get(ids[3]!).catch((error: unknown) => error);
    expect(isSessionKitError(damaged, "ERR_CORRUPT_RECORD")).toBe(true);
    const future = await store.get(ids[1]!).catch((error: unknown) => error);
    expect(isSessionKitError(future, "ERR_UNSUPPORTED_RECORD_VERSION")).toBe(true);
    const first = await store.list({ limit: 2 });
    // Damaged rows do not shorten the page: two healthy sessions still come back.
    expect(first.items.map((item) => item.id)).toEqual([ids[4], ids[2]]);
    expect(first.corrupt.map((report) => [report.id, report.code])).toContainEqual([
      ids[3],
      "ERR_CORRUPT_RECORD",
    ]);
    const second = await store.list({ limit: 2, cursor: first.nextCursor });
    expect(second.items.map((item) => item.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
    // A damaged row near a page boundary may be reported on both pages; each is reported at least once.
    const reports = new Map([...first.corrupt, ...second.corrupt].map((report) => [report.id, report.code]));
    expect(reports).toEqual(
      new Map([
        [ids[3], "ERR_CORRUPT_RECORD"],
        [ids[1], "ERR_UNSUPPORTED_RECORD_VERSION"],
      ]),
    );
    const commit = await store.commit(ids[3]!, { patch: { iterations: 1 } }).catch((error: unknown) => error);
    expect(isSessionKitError(commit, "ERR_CORRUPT_RECORD")).toBe(true);
    expect(await store.delete(ids[3]!)).toBe(true);
    expect(await store.get(ids[3]!)).toBeNull();
    await store.close();
  });

  it("importSession with overwrite replaces state and history exactly; without it the id is taken", async () => {
    const schema = uniqueSchema();
    schemas.add(schema);
    const store = createPostgresStore({ connectionString: PG_URL, max: 2 }, { schema });
    const { session } = await store.create(
      { mode: "m", task: "t" },
      { events: [{ type: "start" }, { type: "iteration" }] },
    );
    const imported = {
      ...session,
      task: "imported",
      version: 7,
      eventCount: 1,
      createdAt: "2020-01-01T00:00:00.001Z",
    };
    const events = [
      { seq: 1, timestamp: "2020-01-01T00:00:00.001Z", type: "custom.kind", data: { x: "\u0000" } },
    ];
    const taken = await store.importSession(imported, events).catch((error: unknown) => error);
    expect(isSessionKitError(taken, "ERR_SESSION_EXISTS")).toBe(true);
    await store.importSession(imported, events, { overwrite: true });
    expect(await store.getWithHistory(session.id)).toEqual({ ...imported, history: events });
    const next = await store.commit(session.id, { expectedVersion: 7, events: [{ type: "iteration" }] });
    expect(next.events[0]?.seq).toBe(2);
    await store.close();
  });
});
