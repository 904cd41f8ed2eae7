import {
  type CheckDelete,
  checkReplacedAsync,
  encodeRecord,
  errors,
  type PlanCommit,
  parseEventText,
  parseRecordText,
  type Session,
  type SessionEvent,
  type StoreCapabilities,
  type StoreDriver,
} from "@sessionkit/core/driver";
import type { Redis } from "ioredis";
import { indexEntry } from "./index-entry.js";
import type { StoreKeys } from "./keys.js";
import { createQueries } from "./queries.js";
import { COMMIT_SCRIPT, DELETE_SCRIPT, LEASE_SCRIPT, QUERY_SCRIPT } from "./scripts.js";
import { createRedisChangeFeed } from "./watch-feed.js";

/** What the driver needs: a connected client, the store's keys, and how to let go of the client. */
export interface RedisDriverOptions {
  client: Redis;
  keys: StoreKeys;
  capabilities: StoreCapabilities;
  /** MAXLEN ~ of the change stream; 0 keeps no change log (and the store has no watch). */
  changeLogLength: number;
  /** Called by close(): quits the client when the store opened it, nothing when the caller shared it. */
  release: () => Promise<void>;
}

type Five = [string, string, string, string, string];
type ScriptClient = Redis & {
  skCommit(...args: [...Five, ...string[]]): Promise<number>;
  skDelete(...args: [...Five, string, string, string]): Promise<number>;
  skQuery(...args: Array<string | number>): Promise<unknown[]>;
  skLease(key: string, expected: string, next: string): Promise<[number, string]>;
};

const NAME = "store-redis";

function scripted(client: Redis): ScriptClient {
  // defineCommand sends EVALSHA and falls back to EVAL once after a SCRIPT FLUSH or a restart.
  const withScripts = client as ScriptClient;
  if (typeof withScripts.skQuery !== "function") {
    client.defineCommand("skCommit", { numberOfKeys: 5, lua: COMMIT_SCRIPT });
    client.defineCommand("skDelete", { numberOfKeys: 5, lua: DELETE_SCRIPT });
    client.defineCommand("skQuery", { numberOfKeys: 0, lua: QUERY_SCRIPT });
    client.defineCommand("skLease", { numberOfKeys: 1, lua: LEASE_SCRIPT });
  }
  return withScripts;
}

function eventTexts(events: SessionEvent[]): string[] {
  return events.map((event) => JSON.stringify(event));
}

/** The Redis StoreDriver: one Lua call per write, one or two round trips per read, indexed queries. */
export function createRedisDriver(options: RedisDriverOptions): StoreDriver {
  const { keys } = options;
  const client = scripted(options.client);
  const maxLength = String(options.changeLogLength);
  const five = (id: string): Five => [
    keys.session(id),
    keys.events(id),
    keys.totals,
    keys.changePos,
    keys.changes,
  ];

  async function read(id: string): Promise<Session | null> {
    const text = await client.hget(keys.session(id), "rec");
    return text === null ? null : parseRecordText(text, id, NAME);
  }

  function write(session: Session, mode: string, events: SessionEvent[]): Promise<number> {
    const record = JSON.stringify(encodeRecord(session));
    const entry = JSON.stringify(indexEntry(keys, session));
    return client.skCommit(
      ...five(session.id),
      mode,
      session.id,
      String(session.version),
      record,
      entry,
      maxLength,
      ...eventTexts(events),
    );
  }

  async function deleteChecked(id: string, check: CheckDelete): Promise<boolean> {
    for (;;) {
      const current = await read(id);
      if (current === null) return false;
      check(current);
      const outcome = await client.skDelete(...five(id), String(current.version), id, maxLength);
      if (outcome !== -1) return outcome === 1;
    }
  }

  const queries = createQueries({
    client,
    keys,
    name: NAME,
    deleteChecked,
    async deleteAt(due) {
      if (due.length === 0) return [];
      const pipeline = client.pipeline() as unknown as ScriptClient & {
        exec(): Promise<Array<[unknown, unknown]>>;
      };
      for (const [id, version] of due) pipeline.skDelete(...five(id), String(version), id, maxLength);
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(([error, outcome]) => {
        if (error) throw error;
        return outcome as number;
      });
    },
  });

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
      if (!check) return (await client.skDelete(...five(id), "any", id, maxLength)) === 1;
      return deleteChecked(id, check);
    },

    ...queries,
    ...(options.changeLogLength > 0
      ? { changes: createRedisChangeFeed(client, keys, NAME, options.changeLogLength) }
      : {}),

    async swapLease(leaseName, expected, next) {
      const [swapped, current] = await client.skLease(keys.lease(leaseName), expected ?? "", next ?? "");
      return { swapped: swapped === 1, current: current === "" ? null : current };
    },

    close: () => options.release(),
  };
}
