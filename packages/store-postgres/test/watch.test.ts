import type { WatchItem } from "@sessionkit/core";
import { createPostgresStore, type PoolLike } from "@sessionkit/store-postgres";
import type pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { take } from "../../core/test/watch-take.js";
import { dropSchemas, pgAvailable, skipNote, testPool, uniqueSchema } from "./pg-env.js";

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

/**
 * A pool that behaves like a transaction-mode pooler for LISTEN: the statement runs on whatever
 * connection is free and that connection goes straight back, so notifications go nowhere.
 */
function listenGoesNowhere(pool: pg.Pool): PoolLike {
  return {
    query: (text: never, values?: never) => pool.query(text, values),
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      return {
        query: (text: never, values?: never) =>
          typeof text === "string" && (text as string).startsWith("LISTEN")
            ? pool.query(text)
            : client.query(text, values),
        release: (error?: boolean) => client.release(error),
        on: client.on.bind(client),
        removeAllListeners: client.removeAllListeners.bind(client),
      } as never;
    },
  } as PoolLike;
}

describe.skipIf(!pgAvailable)(`store-postgres watch${skipNote}`, () => {
  it("with NOTIFY going nowhere (a transaction-mode pooler) every event still arrives by polling, and it says so once", async () => {
    const schema = uniqueSchema("sk_watch");
    schemas.add(schema);
    const pool = testPool(4);
    const warnings: string[] = [];
    const store = createPostgresStore(
      { pool: listenGoesNowhere(pool) },
      { schema, watch: { onWarning: (message) => warnings.push(message) } },
    );
    const writer = createPostgresStore({ pool }, { schema });
    const { session } = await writer.create({ mode: "m", task: "t" });
    const controller = new AbortController();
    const first = take(store.watch(session.id, { since: 0, signal: controller.signal }), 40);
    const second = take(store.watch({}, { signal: controller.signal }), 40);
    // "From now" starts where the log's head is when the watcher first reads it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let k = 0; k < 40; k++) await writer.commit(session.id, { events: [{ type: "e", data: { k } }] });
    const seqs = Array.from({ length: 40 }, (_, k) => k + 1);
    expect((await first).map((item) => item.event?.seq)).toEqual(seqs);
    expect((await second).map((item) => item.event?.seq)).toEqual(seqs);
    // While someone watches, the self-test fails once and the handle says so once.
    const waiting = take(store.watch({}, { signal: controller.signal }), 1);
    await vi.waitFor(() => expect(warnings).toHaveLength(1), { timeout: 5000 });
    await writer.commit(session.id, { patch: { iterations: 1 } });
    expect((await waiting)[0]?.change.kind).toBe("committed");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/did not arrive.*falling back to polling every 50 ms/);
    controller.abort();
    await writer.close();
    await store.close();
    await pool.end();
  });

  it("notifications wake a watcher on another handle, and notify: false polls without a warning", async () => {
    const schema = uniqueSchema("sk_watch");
    schemas.add(schema);
    const warnings: string[] = [];
    const pool = testPool(4);
    const writer = createPostgresStore({ pool }, { schema });
    const listening = createPostgresStore(
      { pool },
      { schema, watch: { onWarning: (m) => warnings.push(m) } },
    );
    const polling = createPostgresStore(
      { pool },
      { schema, watch: { notify: false, onWarning: (m) => warnings.push(m) } },
    );
    const { session } = await writer.create({ mode: "m", task: "t" });
    const a = take(listening.watch(session.id), 5);
    const b = take(polling.watch(session.id), 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let k = 0; k < 5; k++) await writer.commit(session.id, { events: [{ type: "e" }] });
    expect((await a).map((item) => item.event?.seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await b).map((item) => item.event?.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(warnings).toEqual([]);
    await Promise.all([writer.close(), listening.close(), polling.close()]);
    await pool.end();
  });
});
