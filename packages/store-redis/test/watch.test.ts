import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createRedisStore } from "@sessionkit/store-redis";
import { afterEach, describe, expect, it } from "vitest";
import { dropPrefix, keysOf, REDIS_URL, raw, redisAvailable, uniquePrefix } from "./redis-env.js";

const CHILD = fileURLToPath(new URL("./fixtures/watch-child.mjs", import.meta.url));
/** Redis trims `MAXLEN ~` by whole stream nodes (stream-node-max-entries, 100 by default): write well past it. */
const PAST_TRIM = 500;

const prefixes: string[] = [];
const children: ChildProcess[] = [];
function fresh(): string {
  const prefix = uniquePrefix("sk_watch");
  prefixes.push(prefix);
  return prefix;
}
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
  }
  for (const prefix of prefixes.splice(0)) await dropPrefix(prefix);
});

/** The pos of the oldest change the stream still keeps (0: empty) and of the latest one. */
async function kept(prefix: string): Promise<{ oldest: number; head: number }> {
  return raw(async (client) => {
    const [first] = await client.xrange(`${prefix}:changes`, "-", "+", "COUNT", 1);
    const head = Number((await client.get(`${prefix}:cpos`)) ?? 0);
    return { oldest: first ? Number(first[0].split("-")[0]) : 0, head };
  });
}

describe.skipIf(!redisAvailable)("store-redis watch", () => {
  it("a cursor older than the trimmed stream fails with ERR_CURSOR_EXPIRED and its details", async () => {
    const prefix = fresh();
    const store = createRedisStore({ url: REDIS_URL, prefix, changeLog: { maxLength: 10 } });
    try {
      const { session } = await store.create({ id: "session_old", mode: "m", task: "t" });
      await store.commit(session.id, { events: [{ type: "first" }] });
      const iterator = store.watch(session.id, { since: "start" })[Symbol.asyncIterator]();
      await iterator.next();
      const second = (await iterator.next()).value!;
      expect(second.event?.type).toBe("first");
      await iterator.return?.();
      for (let k = 0; k < PAST_TRIM; k++) await store.commit(session.id, { events: [{ type: "tick" }] });
      const { oldest, head } = await kept(prefix);
      expect(oldest).toBeGreaterThan(3);
      expect(head).toBe(PAST_TRIM + 2);
      // The cursor is at pos 2 (seq 1): the watch needs pos 2 on, the stream starts at `oldest`.
      const stale = store.watch(session.id, { since: second.cursor })[Symbol.asyncIterator]();
      await expect(stale.next()).rejects.toMatchObject({
        code: "ERR_CURSOR_EXPIRED",
        details: { after: 1, oldest, maxLength: 10 },
      });
      // What the error says to do works: a watch without `since` follows from now.
      const fromNow = store.watch(session.id)[Symbol.asyncIterator]();
      const next = fromNow.next();
      await store.commit(session.id, { events: [{ type: "after" }] });
      expect((await next).value?.event).toMatchObject({ type: "after", seq: PAST_TRIM + 2 });
      await fromNow.return?.();
    } finally {
      await store.close();
    }
  });

  it("changeLog: false refuses watch with ERR_UNSUPPORTED_CAPABILITY and writes no change keys", async () => {
    const prefix = fresh();
    const store = createRedisStore({ url: REDIS_URL, prefix, changeLog: false });
    try {
      expect(store.capabilities.watch).toBe(false);
      await store.create({ id: "session_quiet", mode: "m", task: "t" });
      await store.commit("session_quiet", { events: [{ type: "e" }] });
      expect(() => store.watch("session_quiet")).toThrow(
        expect.objectContaining({ code: "ERR_UNSUPPORTED_CAPABILITY" }),
      );
      expect(() => store.watch({})).toThrow(expect.objectContaining({ code: "ERR_UNSUPPORTED_CAPABILITY" }));
      const found = await keysOf(prefix);
      expect(found.filter((key) => /:(changes|cpos)$/.test(key))).toEqual([]);
      expect(found).toContain(`${prefix}:s:session_quiet`);
    } finally {
      await store.close();
    }
  });

  it("refuses a changeLog.maxLength that is not a positive integer, touching nothing", async () => {
    const prefix = fresh();
    for (const maxLength of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createRedisStore({ url: REDIS_URL, prefix, changeLog: { maxLength } })).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_INPUT" }),
      );
    }
    expect(await keysOf(prefix)).toEqual([]);
  });

  it("a handle that falls more than maxLength behind between two refreshes passes ERR_CURSOR_EXPIRED to its watchers", async () => {
    const prefix = fresh();
    const writer = createRedisStore({ url: REDIS_URL, prefix, changeLog: { maxLength: 10 } });
    const child = spawn(process.execPath, [CHILD, REDIS_URL, prefix, "10"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    const lines: Array<Record<string, unknown>> = [];
    let buffer = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        lines.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
        buffer = buffer.slice(nl + 1);
      }
    });
    try {
      const { session } = await writer.create({ id: "session_behind", mode: "m", task: "t" });
      await expect.poll(() => lines.some((line) => line.ready), { timeout: 30_000 }).toBe(true);
      // Commit until the child's watch delivers one: its handle then has a head and waits.
      await expect
        .poll(
          async () => {
            await writer.commit(session.id, { events: [{ type: "probe" }] });
            return lines.some((line) => line.cursor);
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBe(true);
      child.kill("SIGSTOP");
      const { head: stoppedAt } = await kept(prefix);
      for (let k = 0; k < PAST_TRIM; k++) await writer.commit(session.id, { events: [{ type: "tick" }] });
      // The child's handle is at most at `stoppedAt`: the stream no longer holds the change after it.
      expect((await kept(prefix)).oldest).toBeGreaterThan(stoppedAt + 1);
      child.kill("SIGCONT");
      await expect
        .poll(() => lines.find((line) => line.error !== undefined)?.error, { timeout: 60_000 })
        .toBe("ERR_CURSOR_EXPIRED");
      // It never skipped silently past the gap: every item it printed precedes the trim.
      const seqs = lines.filter((line) => line.cursor).map((line) => line.seq as number);
      expect(Math.max(...seqs)).toBeLessThanOrEqual(stoppedAt);
    } finally {
      await writer.close();
    }
  }, 120_000);
});
