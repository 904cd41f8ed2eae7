import { createPostgresStore, type PoolLike } from "@sessionkit/store-postgres";
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { take } from "../../core/test/watch-take.js";
import { dropSchemas, pgAvailable, skipNote, testPool, uniqueSchema } from "./pg-env.js";

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

/**
 * A pool that behaves like a transaction-mode pooler for LISTEN: the statement takes effect on no
 * connection the store holds, so notifications go nowhere. It used to run LISTEN on whatever
 * pooled connection was free and hand it back still listening: a later self-test that drew that
 * connection rightly found notifications working and never warned (the test then waited for a
 * warning that could not come; 3 of 7 runs failed at load 15-19, 7 of 20 at load 9).
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
            ? client.query("SELECT 1")
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
    // No timing bound of its own: it waits for the events and for the warning (the self-test's
    // 5 s, however late a loaded machine runs it), within the test's timeout. A 5 s bound on the
    // warning failed 3 of 7 runs at load 15-19.
    const schema = uniqueSchema("sk_watch");
    schemas.add(schema);
    const pool = testPool(4);
    const warnings: string[] = [];
    let warned!: () => void;
    const firstWarning = new Promise<void>((resolve) => {
      warned = resolve;
    });
    const store = createPostgresStore(
      { pool: listenGoesNowhere(pool) },
      {
        schema,
        watch: {
          onWarning: (message) => {
            warnings.push(message);
            warned();
          },
        },
      },
    );
    const writer = createPostgresStore({ pool }, { schema });
    const { session } = await writer.create({ mode: "m", task: "t" });
    const controller = new AbortController();
    // Both start at known positions (seq 0, the log's start), not "from now": no sleep decides what they see.
    const first = take(store.watch(session.id, { since: 0, signal: controller.signal }), 40);
    const second = take(store.watch({}, { since: "start", signal: controller.signal }), 41);
    for (let k = 0; k < 40; k++) await writer.commit(session.id, { events: [{ type: "e", data: { k } }] });
    const seqs = Array.from({ length: 40 }, (_, k) => k + 1);
    expect((await first).map((item) => item.event?.seq)).toEqual(seqs);
    const all = await second;
    expect(all[0]?.change.kind).toBe("created");
    expect(all.slice(1).map((item) => item.event?.seq)).toEqual(seqs);
    // While someone watches (from the last cursor: the next change is its first), the self-test
    // fails and the handle says so once.
    const waiting = store
      .watch({}, { since: all[40]!.cursor, signal: controller.signal })
      [Symbol.asyncIterator]();
    const next = waiting.next();
    await firstWarning;
    await writer.commit(session.id, { patch: { iterations: 1 } });
    expect((await next).value?.change.kind).toBe("committed");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/did not arrive.*falling back to polling every 50 ms/);
    controller.abort();
    await waiting.return?.();
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
