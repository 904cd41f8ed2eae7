import { createManualClock, isSessionKitError, type SessionStore } from "@sessionkit/core";
import { createPostgresStore } from "@sessionkit/store-postgres";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchemas, pgAvailable, skipNote, testPool, uniqueSchema } from "./pg-env.js";

// Issue 14 #8: created_at and updated_at are text in the "C" collation, instant order only for
// years 0000-9999. Core's wrapper refuses the rest; these check that none reaches a statement of
// this store, and that the statements order the extreme years as instants.

const schemas = new Set<string>();
const pool = pgAvailable ? testPool(2) : undefined;
afterAll(async () => {
  await pool?.end();
  await dropSchemas(schemas);
});

function open(clock: ReturnType<typeof createManualClock>): { store: SessionStore; schema: string } {
  const schema = uniqueSchema();
  schemas.add(schema);
  return { store: createPostgresStore({ pool: pool! }, { schema, clock }), schema };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: unknown) => (isSessionKitError(error) ? error.code : `raw ${String(error)}`),
  );

describe.skipIf(!pgAvailable)(`store-postgres: instants outside years 0000-9999${skipNote}`, () => {
  it("are refused before any statement runs: the tables are unchanged", async () => {
    const clock = createManualClock();
    const { store, schema } = open(clock);
    const { session } = await store.create({ mode: "m", task: "t", status: "completed" });
    const dump = async () =>
      Promise.all(
        ["sessions", "events"].map(
          async (table) => (await pool!.query(`SELECT * FROM "${schema}".${table} ORDER BY 1, 2`)).rows,
        ),
      );
    const before = await dump();
    const seen: string[] = [];
    for (const [text, ms] of [
      ["+010000-01-01T00:00:00.000Z", Date.UTC(10000, 0, 1)],
      ["-000001-01-01T00:00:00.000Z", Date.UTC(-1, 0, 1)],
    ] as const) {
      const far = { ...session, id: "session_far", createdAt: text, updatedAt: text };
      seen.push(`import ${await refusal(store.importSession(far, []))}`);
      seen.push(`prune ${await refusal(store.prune({ olderThan: text }))}`);
      seen.push(`count ${await refusal(store.count({ createdAfter: text }))}`);
      clock.set(ms);
      seen.push(`commit ${await refusal(store.commit(session.id, { events: [{ type: "x" }] }))}`);
      clock.set("2026-01-01T00:00:00.000Z");
    }
    expect(seen).toEqual(
      Array(2)
        .fill(["import ERR_INVALID_INPUT", "prune ERR_INVALID_INPUT", "count ERR_INVALID_QUERY"])
        .flatMap((lines) => [...lines, "commit ERR_INVALID_INPUT"]),
    );
    expect(await dump()).toEqual(before);
    await store.close();
  });

  it("the statements (keyset order, updated index, prune DELETE) order years 0000 and 9999 as instants", async () => {
    const clock = createManualClock("0000-01-01T00:00:00.000Z");
    const { store } = open(clock);
    const first = (await store.create({ mode: "m", task: "t", status: "completed" })).session;
    clock.set("9999-12-31T23:59:59.999Z");
    const last = (await store.create({ mode: "m", task: "t", status: "completed" })).session;
    const page = await store.list({ limit: 1 });
    expect(page.items.map((s) => s.id)).toEqual([last.id]);
    const next = await store.list({ limit: 1, cursor: page.nextCursor! });
    expect(next.items.map((s) => s.id)).toEqual([first.id]);
    expect(await store.count({ updatedAfter: "5000-01-01T00:00:00.000Z" })).toBe(1);
    expect((await store.prune({ olderThan: "9999-12-31T23:59:59.999Z" })).ids).toEqual([first.id]);
    expect((await store.list()).items.map((s) => s.id)).toEqual([last.id]);
    await store.close();
  });
});
