import {
  type Clock,
  DEFAULT_MAX_PAYLOAD_BYTES,
  defineSessionStore,
  fullContractCapabilities,
  releaseOwnedClient,
  SessionKitError,
  type SessionStore,
} from "@sessionkit/core/driver";
import { Redis } from "ioredis";
import { createRedisDriver } from "./driver.js";
import { storeKeys } from "./keys.js";

/** Options of createRedisStore. Give `client` to share your connection, or `url` to let the store open one. */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port/db` (default `redis://127.0.0.1:6379`); ignored when `client` is given. */
  url?: string;
  /** A client you opened: the store uses it and never quits it (whoever opens a client closes it). */
  client?: Redis;
  /** Every key of the store starts with `prefix:` (default "sessionkit"). */
  prefix?: string;
  /** Where timestamps come from (tests move a manual clock). */
  clock?: Clock;
  /**
   * The change log behind `store.watch()`: a Stream trimmed with `MAXLEN ~ maxLength` (default
   * 100,000 changes; Redis keeps at least that many, a little more). A watch cursor older than what
   * is kept fails with ERR_CURSOR_EXPIRED. `false`: no change log, no watch, one XADD less per write.
   */
  changeLog?: { maxLength?: number } | false;
  /** Largest JSON size of one record or one event (default 16 MiB, at least 1024). */
  maxPayloadBytes?: number;
}

const OPTION_KEYS = new Set(["url", "client", "prefix", "clock", "changeLog", "maxPayloadBytes"]);

/** Changes the change log keeps by default (about 10 MB of stream). */
export const DEFAULT_CHANGE_LOG_LENGTH = 100_000;

/** What the Redis store promises; the conformance suite tests every claim and the refusal of `sync`. */
export const redisStoreCapabilities = fullContractCapabilities({ sync: false });

const PREFIX_PATTERN = /^[A-Za-z0-9_.:{}-]{1,100}$/;
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** Opens a client the way the store does: commands fail after a bounded wait instead of queueing forever. */
export function openRedisClient(url: string = DEFAULT_REDIS_URL): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 3, connectTimeout: 5_000 });
  // The error surfaces on the command that needed the connection; the event only must not crash the process.
  client.on("error", () => undefined);
  return client;
}

/** A SessionStore on plain Redis 6.2+ (no modules). */
export function createRedisStore(options: RedisStoreOptions = {}): SessionStore {
  // Like the other stores' strict option schemas: a misspelt option is an error, never ignored.
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new SessionKitError(
        "ERR_INVALID_INPUT",
        `[store-redis] Unknown option ${JSON.stringify(key)}; expected one of ${[...OPTION_KEYS].join(", ")}.`,
        { details: { field: key } },
      );
    }
  }
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 1024) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[store-redis] Expected \`maxPayloadBytes\` to be an integer of at least 1024, got ${JSON.stringify(options.maxPayloadBytes)}.`,
      { details: { field: "maxPayloadBytes" } },
    );
  }
  const prefix = options.prefix ?? "sessionkit";
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[store-redis] Expected a key prefix of 1-100 letters, digits or _ . : { } -, got ${JSON.stringify(prefix)}.`,
    );
  }
  const changeLogLength =
    options.changeLog === false ? 0 : (options.changeLog?.maxLength ?? DEFAULT_CHANGE_LOG_LENGTH);
  if (!Number.isSafeInteger(changeLogLength) || (options.changeLog !== false && changeLogLength < 1)) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[store-redis] Expected \`changeLog.maxLength\` to be a positive integer, got ${JSON.stringify(options.changeLog)}.`,
    );
  }
  const owned = options.client === undefined;
  const client = options.client ?? openRedisClient(options.url);
  const driver = createRedisDriver({
    client,
    keys: storeKeys(prefix),
    capabilities: { ...redisStoreCapabilities, maxPayloadBytes },
    changeLogLength,
    release: releaseOwnedClient({ owned, close: () => client.quit(), force: () => client.disconnect() }),
  });
  return defineSessionStore(driver, { clock: options.clock });
}

/** Every key of the store under `prefix`, by SCAN (for verify and tests; the store itself never scans). */
export async function scanStoreKeys(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await client.scan(cursor, "MATCH", storeKeys(prefix).pattern, "COUNT", 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return [...new Set(found)].sort();
}
