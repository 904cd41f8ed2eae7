import { isSessionKitError, type SessionStore } from "@sessionkit/core";
import { createPostgresStore, MIGRATIONS } from "@sessionkit/store-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChild } from "./child.js";
import { dropSchemas, PG_URL, pgAvailable, skipNote, uniqueSchema } from "./pg-env.js";

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

describe.skipIf(!pgAvailable)(`store-postgres optimistic concurrency${skipNote}`, () => {
  let schema: string;
  let a: SessionStore;
  let b: SessionStore;

  beforeAll(async () => {
    schema = uniqueSchema();
    schemas.add(schema);
    // Two stores, two pools: as far apart as two hosts.
    a = createPostgresStore({ connectionString: PG_URL, max: 3 }, { schema });
    b = createPostgresStore({ connectionString: PG_URL, max: 3 }, { schema });
    await Promise.all([a.count(), b.count()]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("two pools committing at the same expectedVersion: exactly one wins, the other conflicts and changes nothing", async () => {
    for (let round = 0; round < 25; round++) {
      const { session } = await a.create({ mode: "race", task: `r${round}` });
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const attempt = (store: SessionStore, who: string) =>
        gate.then(() =>
          store.commit(session.id, {
            expectedVersion: 1,
            patch: { task: who },
            events: [{ type: "iteration", data: { who } }],
          }),
        );
      const settled = Promise.allSettled([attempt(a, "a"), attempt(b, "b")]);
      open();
      const results = await settled;
      const won = results.filter((result) => result.status === "fulfilled");
      const lost = results.filter((result) => result.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(isSessionKitError((lost[0] as PromiseRejectedResult).reason, "ERR_VERSION_CONFLICT")).toBe(true);
      const full = await b.getWithHistory(session.id);
      expect(full?.version).toBe(2);
      expect(full?.history).toHaveLength(1);
      expect(full?.task).toBe((full?.history[0]?.data as { who: string } | undefined)?.who);
    }
  });

  it("unconditioned commits from two pools never lose one another: every event exactly once, seq contiguous", async () => {
    const { session } = await a.create({ mode: "race", task: "append" });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const writers = Array.from({ length: 40 }, (_, i) =>
      gate.then(() => (i % 2 ? a : b).commit(session.id, { events: [{ type: "iteration", data: { i } }] })),
    );
    open();
    await Promise.all(writers);
    const full = await a.getWithHistory(session.id);
    expect(full?.version).toBe(41);
    expect(full?.eventCount).toBe(40);
    expect(full?.history.map((event) => event.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(full?.history.map((event) => (event.data as { i: number }).i).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
  });

  it("delete with a stale expectedVersion conflicts; creating an existing id from another pool is ERR_SESSION_EXISTS", async () => {
    const { session } = await a.create({ mode: "race", task: "delete" });
    await b.commit(session.id, { patch: { iterations: 1 } });
    const stale = await a.delete(session.id, { expectedVersion: 1 }).catch((error: unknown) => error);
    expect(isSessionKitError(stale, "ERR_VERSION_CONFLICT")).toBe(true);
    const again = await b.create({ id: session.id, mode: "x", task: "y" }).catch((error: unknown) => error);
    expect(isSessionKitError(again, "ERR_SESSION_EXISTS")).toBe(true);
    expect(await a.delete(session.id, { expectedVersion: 2 })).toBe(true);
    expect(await b.delete(session.id)).toBe(false);
  });

  it("child processes, each with its own pool, append to one session without losing an event", async () => {
    const { session } = await a.create({ mode: "race", task: "processes" });
    const perChild = 25;
    const children = [0, 1, 2].map((writer) =>
      startChild({ kind: "append", url: PG_URL, schema, id: session.id, writer, count: perChild }),
    );
    await Promise.all(children.map((child) => child.ready));
    for (const child of children) child.go();
    const results = await Promise.all(children.map((child) => child.result));
    expect(results).toEqual([{ done: perChild }, { done: perChild }, { done: perChild }]);
    const full = await a.getWithHistory(session.id);
    expect(full?.eventCount).toBe(3 * perChild);
    expect(full?.version).toBe(1 + 3 * perChild);
    expect(full?.history.map((event) => event.seq)).toEqual(
      Array.from({ length: 3 * perChild }, (_, i) => i + 1),
    );
    const keys = full?.history.map(
      (event) => `${(event.data as { writer: number }).writer}:${(event.data as { i: number }).i}`,
    );
    expect(new Set(keys).size).toBe(3 * perChild);
    // Each writer's own events keep their order.
    for (const writer of [0, 1, 2]) {
      const mine = full?.history.filter((event) => (event.data as { writer: number }).writer === writer);
      expect(mine?.map((event) => (event.data as { i: number }).i)).toEqual(
        Array.from({ length: perChild }, (_, i) => i),
      );
    }
  });
});

describe.skipIf(!pgAvailable)(`store-postgres migrations${skipNote}`, () => {
  it("several processes migrating one fresh schema at once: one migrates, the rest wait and find nothing to do", async () => {
    const schema = uniqueSchema("sk_test_mig");
    schemas.add(schema);
    const children = [0, 1, 2, 3].map(() => startChild({ kind: "migrate", url: PG_URL, schema }));
    await Promise.all(children.map((child) => child.ready));
    for (const child of children) child.go();
    const results = (await Promise.all(children.map((child) => child.result))) as { applied: number[] }[];
    // Numbers are listed, not counted: releases in flight may reserve numbers (6 and 7 while 8 lands).
    const versions = MIGRATIONS.map((migration) => migration.version);
    expect(results.filter((result) => result.applied.join() === versions.join())).toHaveLength(1);
    expect(results.filter((result) => result.applied.length === 0)).toHaveLength(3);
    const client = new pg.Client(PG_URL);
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT version FROM "${schema}".sessionkit_migrations ORDER BY version`,
      );
      expect(rows).toEqual(versions.map((version) => ({ version })));
    } finally {
      await client.end();
    }
  });

  it("a schema migrated by a newer release is refused with ERR_UNSUPPORTED_SCHEMA and left untouched", async () => {
    const schema = uniqueSchema("sk_test_mig");
    schemas.add(schema);
    const first = createPostgresStore({ connectionString: PG_URL, max: 1 }, { schema });
    await first.create({ id: "session_keep", mode: "m", task: "t" });
    await first.close();
    const client = new pg.Client(PG_URL);
    await client.connect();
    try {
      await client.query(
        `INSERT INTO "${schema}".sessionkit_migrations (version, name) VALUES (99, 'future')`,
      );
      const store = createPostgresStore({ connectionString: PG_URL, max: 1 }, { schema });
      const error = await store.get("session_keep").catch((caught: unknown) => caught);
      await store.close();
      expect(isSessionKitError(error, "ERR_UNSUPPORTED_SCHEMA")).toBe(true);
      expect((error as Error).message).toContain("99");
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM "${schema}".sessions`);
      expect(rows[0].n).toBe(1);
    } finally {
      await client.end();
    }
  });
});
