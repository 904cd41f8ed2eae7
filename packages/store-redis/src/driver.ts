import {
  type CheckDelete,
  checkReplacedAsync,
  corruptReport,
  encodeRecord,
  errors,
  type PlanCommit,
  parseEventText,
  parseRecordText,
  type ScanResult,
  type Session,
  type SessionEvent,
  type SessionSummary,
  type StoreCapabilities,
  type StoreDriver,
  toSummary,
} from "@sessionkit/core/driver";
import type { Redis } from "ioredis";
import type { StoreKeys } from "./keys.js";
import { COMMIT_SCRIPT, DELETE_SCRIPT } from "./scripts.js";

/** What the driver needs: a connected client, the store's keys, and how to let go of the client. */
export interface RedisDriverOptions {
  client: Redis;
  keys: StoreKeys;
  capabilities: StoreCapabilities;
  /** Called by close(): quits the client when the store opened it, nothing when the caller shared it. */
  release: () => Promise<void>;
}

type ScriptClient = Redis & {
  skCommit(k1: string, k2: string, k3: string, ...args: string[]): Promise<number>;
  skDelete(k1: string, k2: string, k3: string, mode: string, id: string): Promise<number>;
};

const NAME = "store-redis";
/** Ids read per round trip by scan(): 500 keeps one reply under ~1 MB for typical records. */
const SCAN_BATCH = 500;

function scripted(client: Redis): ScriptClient {
  // defineCommand sends EVALSHA and falls back to EVAL once after a SCRIPT FLUSH or a restart.
  const withScripts = client as ScriptClient;
  if (typeof withScripts.skCommit !== "function") {
    client.defineCommand("skCommit", { numberOfKeys: 3, lua: COMMIT_SCRIPT });
    client.defineCommand("skDelete", { numberOfKeys: 3, lua: DELETE_SCRIPT });
  }
  return withScripts;
}

function eventTexts(events: SessionEvent[]): string[] {
  return events.map((event) => JSON.stringify(event));
}

/** The Redis StoreDriver: one Lua call per write, one or two round trips per read. */
export function createRedisDriver(options: RedisDriverOptions): StoreDriver {
  const { keys } = options;
  const client = scripted(options.client);
  const three = (id: string): [string, string, string] => [keys.session(id), keys.events(id), keys.ids];

  async function read(id: string): Promise<Session | null> {
    const text = await client.hget(keys.session(id), "rec");
    return text === null ? null : parseRecordText(text, id, NAME);
  }

  function write(session: Session, mode: string, events: SessionEvent[]): Promise<number> {
    const record = JSON.stringify(encodeRecord(session));
    return client.skCommit(
      ...three(session.id),
      mode,
      session.id,
      String(session.version),
      record,
      ...eventTexts(events),
    );
  }

  return {
    name: NAME,
    capabilities: options.capabilities,

    async insert(session, events, { overwrite, check }) {
      if (!overwrite || check === undefined) {
        const written = await write(session, overwrite ? "any" : "new", events);
        if (written !== 1) throw errors.exists(NAME, session.id);
        return;
      }
      // Optimistic, like commit: check the state read, overwrite only if it is still that version.
      for (;;) {
        let mode = "any";
        await checkReplacedAsync(async () => {
          const current = await read(session.id);
          mode = current === null ? "new" : `=${current.version}`;
          return current;
        }, check);
        if ((await write(session, mode, events)) === 1) return;
      }
    },

    get: read,

    async commit(id: string, plan: PlanCommit) {
      // Optimistic: plan from a read, write only if the version is still the one read, else read again.
      for (;;) {
        const current = await read(id);
        if (current === null) throw errors.notFound(NAME, id);
        const { next, events } = plan(current);
        if ((await write(next, String(current.version), events)) === 1) return next;
      }
    },

    async readEvents(id, fromSeq, toSeq) {
      const start = Math.max(fromSeq, 1) - 1;
      const end = toSeq === undefined ? -1 : toSeq - 1;
      const empty = end !== -1 && (end < start || end < 0);
      const reply = await client
        .multi()
        .exists(keys.session(id))
        .lrange(keys.events(id), empty ? 1 : start, empty ? 0 : end)
        .exec();
      const [[, exists], [, texts]] = reply as [[unknown, number], [unknown, string[]]];
      if (exists !== 1) throw errors.notFound(NAME, id);
      return texts.map((text) => parseEventText(text, id, NAME));
    },

    async readLastEvents(id, count) {
      // LRANGE -0 -1 would be the whole list: an empty request reads an empty range instead.
      const [from, to] = count > 0 ? [-count, -1] : [1, 0];
      const reply = await client.multi().exists(keys.session(id)).lrange(keys.events(id), from, to).exec();
      const [[, exists], [, texts]] = reply as [[unknown, number], [unknown, string[]]];
      if (exists !== 1) throw errors.notFound(NAME, id);
      return texts.map((text) => parseEventText(text, id, NAME));
    },

    async delete(id: string, check?: CheckDelete) {
      if (!check) return (await client.skDelete(...three(id), "any", id)) === 1;
      for (;;) {
        const current = await read(id);
        if (current === null) return false;
        check(current);
        const outcome = await client.skDelete(...three(id), String(current.version), id);
        if (outcome !== -1) return outcome === 1;
      }
    },

    async scan(): Promise<ScanResult> {
      const ids = await client.smembers(keys.ids);
      const sessions: SessionSummary[] = [];
      const corrupt: ScanResult["corrupt"] = [];
      for (let i = 0; i < ids.length; i += SCAN_BATCH) {
        const batch = ids.slice(i, i + SCAN_BATCH);
        const pipeline = client.pipeline();
        for (const id of batch) pipeline.hget(keys.session(id), "rec");
        const replies = (await pipeline.exec()) ?? [];
        batch.forEach((id, index) => {
          const text = replies[index]?.[1] as string | null | undefined;
          if (text === null || text === undefined) return; // deleted between SMEMBERS and HGET
          try {
            sessions.push(toSummary(parseRecordText(text, id, NAME)));
          } catch (error) {
            corrupt.push(corruptReport(error, id));
          }
        });
      }
      return { sessions, corrupt };
    },

    close: () => options.release(),
  };
}
