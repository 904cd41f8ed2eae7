import {
  type ChangeFacts,
  type ChangeFeed,
  type ChangeRecord,
  cursorExpired,
  type NewChange,
} from "@sessionkit/core/driver";
import type { Redis } from "ioredis";
import type { StoreKeys } from "./keys.js";

/** How long one XREAD BLOCK waits before it asks again (a dead connection is noticed by then). */
const BLOCK_MS = 5_000;
/** Backstop re-read while watchers wait: a lost wake-up costs at most this much latency. */
const BACKSTOP_MS = 1_000;
/** Pause after a failed XREAD before the wake-up connection tries again. */
const RETRY_MS = 500;

type StreamEntry = [id: string, fields: string[]];

function decodeEntry(id: string, fields: string[]): ChangeRecord {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const facts = (name: string) => {
    const text = map.get(name);
    return text === undefined ? undefined : (JSON.parse(text) as ChangeFacts);
  };
  const after = facts("a");
  const before = facts("b");
  return {
    pos: Number(id.slice(0, id.indexOf("-"))),
    sessionId: map.get("s") ?? "",
    kind: map.get("k") as NewChange["kind"],
    version: Number(map.get("v")),
    fromSeq: Number(map.get("f")),
    toSeq: Number(map.get("t")),
    ...(after ? { after } : {}),
    ...(before ? { before } : {}),
  };
}

/**
 * The Redis change log: a Stream written by the write scripts (entry id `<pos>-0`, ids and facts
 * only, events are read from the session's list), trimmed with MAXLEN ~ `maxLength`. The wake-up
 * is one dedicated connection per store handle, duplicated from the store's client while anyone
 * watches, blocked in XREAD on the stream.
 */
export function createRedisChangeFeed(
  client: Redis,
  keys: StoreKeys,
  name: string,
  maxLength: number,
): ChangeFeed {
  return {
    async read(after, limit) {
      // One MULTI: the entries and the counter are of one instant, so a gap can only be a trim.
      const reply = await client
        .multi()
        .xrange(keys.changes, `(${after}-0`, "+", "COUNT", limit)
        .get(keys.changePos)
        .exec();
      const [[, entries], [, head]] = reply as [[unknown, StreamEntry[]], [unknown, string | null]];
      const records = entries.map(([id, fields]) => decodeEntry(id, fields));
      const first = records[0]?.pos;
      const trimmed = first === undefined ? Number(head ?? 0) > after : first > after + 1;
      if (after > 0 && trimmed) throw cursorExpired(name, after, first, maxLength);
      return records;
    },

    async head() {
      return Number((await client.get(keys.changePos)) ?? 0);
    },

    pollMs: BACKSTOP_MS,

    subscribe(wake) {
      const reader = client.duplicate();
      reader.on("error", () => undefined);
      let stopped = false;
      const pause = () => new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      (async () => {
        while (!stopped) {
          try {
            // From the counter, not from the entry seen last: a burst wakes once, not once per entry.
            const pos = Number((await reader.get(keys.changePos)) ?? 0);
            const got = await reader.xread(
              "COUNT",
              1,
              "BLOCK",
              BLOCK_MS,
              "STREAMS",
              keys.changes,
              `${pos}-0`,
            );
            if (got && !stopped) wake();
          } catch {
            if (!stopped) await pause();
          }
        }
      })();
      return () => {
        stopped = true;
        reader.disconnect();
      };
    },
  };
}
