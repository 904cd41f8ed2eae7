import { createPostgresStore, type PoolLike } from "@sessionkit/store-postgres";
import type pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createChangeNotifier } from "../src/change-notify.js";
import { dropSchemas, pgAvailable, skipNote, testPool, uniqueSchema } from "./pg-env.js";

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

type Listener = (message: { channel: string; payload?: string }) => void;

/**
 * The pool of the watching handle: it counts the hub's reads of the change log (the statement
 * that joins the trim watermark) and the notifications its LISTEN connection hands the feed, so
 * the test can wait for each one to be handled instead of sleeping.
 */
function observedPool(pool: pg.Pool) {
  const seen = { reads: 0, selfTests: 0, notifications: 0 };
  const observed = {
    query(text: never, values?: never) {
      if (typeof text === "string" && (text as string).includes("session_changes_trimmed t")) seen.reads += 1;
      return pool.query(text, values);
    },
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      const on = client.on.bind(client) as (event: string, listener: Listener) => unknown;
      (client as unknown as { on: typeof on }).on = (event, listener) =>
        on(event, (message) => {
          listener(message);
          if (message.payload?.startsWith("selftest-")) seen.selfTests += 1;
          else seen.notifications += 1;
        });
      return client as never;
    },
  } as PoolLike;
  return { observed, seen };
}

describe.skipIf(!pgAvailable)(`store-postgres watch wake-up${skipNote}`, () => {
  it("a commit of a session nobody on the handle follows costs its 200 idle watchers no read of the change log", async () => {
    const schema = uniqueSchema("sk_wake");
    schemas.add(schema);
    const pool = testPool(6);
    const { observed, seen } = observedPool(pool);
    // No poll while the self-test runs; the 1 s backstop still reads now and then (allowed below).
    const watching = createPostgresStore({ pool: observed }, { schema, watch: { pollMs: 60_000 } });
    const writer = createPostgresStore({ pool }, { schema });
    const others: string[] = [];
    for (let k = 0; k < 10; k++) others.push((await writer.create({ mode: "m", task: `o${k}` })).session.id);
    const { session: busy } = await writer.create({ mode: "m", task: "busy" });
    const controller = new AbortController();
    let got = 0;
    const watchers = Array.from({ length: 200 }, async (_, w) => {
      const items = [];
      for await (const item of watching.watch(others[w % others.length]!, { signal: controller.signal })) {
        items.push(item);
        got += 1;
        if (items.length === 2) break;
      }
      return items;
    });
    // LISTEN is on once the self-test's own notification came back.
    await vi.waitFor(() => expect(seen.selfTests).toBe(1), { timeout: 30_000, interval: 10 });
    // Every watcher has read once and waits again (its start-up reads are not what is counted).
    for (const id of others) await writer.commit(id, { events: [{ type: "first" }] });
    await vi.waitFor(() => expect(got).toBe(200), { timeout: 30_000, interval: 10 });
    const before = seen.reads;
    for (let k = 0; k < 50; k++) {
      const handled = seen.notifications;
      await writer.commit(busy.id, { events: [{ type: "e", data: { k } }] });
      await vi.waitFor(() => expect(seen.notifications).toBeGreaterThan(handled), {
        timeout: 30_000,
        interval: 5,
      });
    }
    // Before: one read per notification (51 for the 50 commits, load 8).
    // Now none; the backstop's once-a-second read is all that may show.
    expect(seen.reads - before).toBeLessThanOrEqual(10);
    // A session they follow still wakes them, past the 50 changes they slept through.
    await writer.commit(others[3]!, { events: [{ type: "mine" }] });
    const mine = await Promise.all(watchers.filter((_, w) => w % others.length === 3));
    expect(mine.map((items) => items[1]?.event?.type)).toEqual(Array(20).fill("mine"));
    controller.abort();
    await Promise.all(watchers);
    await Promise.all([writer.close(), watching.close()]);
    await pool.end();
  });
});

describe("change notifier payload", () => {
  /** A pool that records the payload of each pg_notify and answers at once. */
  function recording() {
    const payloads: string[] = [];
    const pool = {
      query: async (_text: string, values?: unknown[]) => {
        payloads.push(String(values?.[1]));
        return { rows: [], rowCount: 0 };
      },
    } as unknown as PoolLike;
    return { pool, payloads };
  }

  it("names the written sessions once each; a prune or ids past NOTIFY's 8000 bytes send an empty payload", async () => {
    const { pool, payloads } = recording();
    const notifier = createChangeNotifier(pool, "ch");
    notifier.wrote(["session_a", "session_b", "session_a"]);
    await notifier.flush();
    expect(payloads).toEqual(["session_a session_b"]);

    const pruned = recording();
    const second = createChangeNotifier(pruned.pool, "ch");
    second.wrote(["session_a"]);
    second.wrote(undefined);
    await second.flush();
    expect(pruned.payloads).toEqual([""]);

    const many = recording();
    const third = createChangeNotifier(many.pool, "ch");
    third.wrote(Array.from({ length: 100 }, (_, k) => `session_${String(k).padStart(100, "x")}`));
    await third.flush();
    expect(many.payloads).toEqual([""]);
  });
});
