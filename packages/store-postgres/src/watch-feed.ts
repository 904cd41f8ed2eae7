import {
  type ChangeFeed,
  type ChangeLogRow,
  type ChangeRecord,
  cursorExpired,
  decodeChange,
} from "@sessionkit/core/driver";
import { stampChanges } from "./change-stamps.js";
import { changeChannel, quoteSchema } from "./migrations.js";
import type { PoolClientLike, PoolLike } from "./pool.js";

/**
 * How long the start-up self-test waits for its own notification before it says it fell back.
 * The feed polls every `pollMs` meanwhile, so the wait costs no latency: it is long because a
 * loaded machine (load 15-19 on 2 cores) delayed a working notification past the former 2 s, and
 * a false "fell back" warning is worse than a late true one.
 */
const SELF_TEST_MS = 5000;
/** Backstop re-read while notifications work: a lost notification costs at most this much latency. */
const BACKSTOP_MS = 1000;

export interface PostgresFeedOptions {
  pool: PoolLike;
  schema: string;
  /** Resolves once the schema is migrated. */
  ready(): Promise<void>;
  notify: boolean;
  pollMs: number;
  onWarning: (message: string) => void;
  /** The retention bound (changeLog.maxLength), for the ERR_CURSOR_EXPIRED details; undefined: none. */
  maxLength?: number;
}

/** A change-log row with the trim watermark beside it; `pos` is null when only the watermark came back. */
type ChangeRow = Omit<ChangeLogRow, "pos"> & { trimmed: string; pos: string | null };

type ListeningClient = PoolClientLike & {
  on?(event: "notification", listener: (message: { channel: string; payload?: string }) => void): unknown;
  removeAllListeners?(event: string): unknown;
};

/**
 * The PostgreSQL change log (table session_changes, kept by a trigger, positions stamped by the
 * reader first: change-stamps.ts). The wake-up holds one
 * pooled connection per store handle with LISTEN; notifications carry only the pos, so events of
 * any size work, and the hub coalesces a burst into one read. A start-up self-test sends itself a
 * notification: behind a transaction-mode pooler LISTEN silently goes nowhere, and then the feed
 * says so once and polls every `pollMs` instead.
 */
export function createPostgresChangeFeed(options: PostgresFeedOptions): ChangeFeed {
  const { pool, schema, ready } = options;
  const s = quoteSchema(schema);
  const channel = changeChannel(schema);
  let warned = false;

  function pollEvery(wake: () => void, ms: number): () => void {
    const timer = setInterval(wake, ms);
    timer.unref();
    return () => clearInterval(timer);
  }

  async function listen(wake: () => void, isStopped: () => boolean): Promise<ListeningClient | undefined> {
    await ready();
    const client = (await pool.connect()) as ListeningClient;
    try {
      if (typeof client.on !== "function" || isStopped()) return release(client);
      const token = `selftest-${process.pid}-${Math.random().toString(36).slice(2)}`;
      let confirm!: () => void;
      const confirmed = new Promise<void>((resolve) => {
        confirm = resolve;
      });
      client.on("notification", (message) => {
        if (message.channel !== channel) return;
        if (message.payload === token) confirm();
        else wake();
      });
      await client.query(`LISTEN "${channel}"`);
      await client.query("SELECT pg_notify($1, $2)", [channel, token]);
      let timer: NodeJS.Timeout | undefined;
      const arrived = await Promise.race([
        confirmed.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), SELF_TEST_MS);
        }),
      ]);
      clearTimeout(timer);
      if (!arrived || isStopped()) return release(client);
      // Changes committed while the self-test ran were announced before LISTEN took effect or now.
      wake();
      return client;
    } catch (error) {
      // A held connection would keep pool.end() (and so store.close()) waiting forever.
      release(client);
      throw error;
    }
  }

  function release(client: PoolClientLike): undefined {
    (client as ListeningClient).removeAllListeners?.("notification");
    client.release(true);
    return undefined;
  }

  function fallBack(reason: string): void {
    if (warned) return;
    warned = true;
    options.onWarning(
      `[store-postgres] watch(): ${reason}; falling back to polling every ${options.pollMs} ms (a transaction-mode pooler drops LISTEN; connect watch to the server or a session-mode pool, or pass watch: { notify: false } to silence this).`,
    );
  }

  return {
    async read(after: number, limit: number): Promise<ChangeRecord[]> {
      await ready();
      await stampChanges(pool, s);
      // One statement, one snapshot: the watermark and the page agree (a trim commits both).
      const { rows: all } = await pool.query<ChangeRow>(
        `SELECT t.pos AS trimmed, c.pos, c.session_id, c.kind, c.version, c.from_seq, c.to_seq, c.facts
         FROM ${s}.session_changes_trimmed t LEFT JOIN LATERAL (
           SELECT * FROM ${s}.session_changes WHERE pos > greatest($1::bigint, t.pos) ORDER BY pos LIMIT $2
         ) c ON true WHERE t.id = 1`,
        [after, limit],
      );
      const rows = all.filter((row) => row.pos !== null);
      const trimmed = Number(all[0]?.trimmed ?? 0);
      // "start" (after 0) reads what is kept; a cursor inside what was trimmed is refused.
      if (after > 0 && after < trimmed) {
        const oldest = rows[0] ? Number(rows[0].pos) : undefined;
        throw cursorExpired("store-postgres", after, oldest, options.maxLength ?? 0);
      }
      return rows.map((row) => decodeChange({ ...row, pos: Number(row.pos) }));
    },
    async head(): Promise<number> {
      await ready();
      await stampChanges(pool, s);
      const { rows } = await pool.query<{ pos: string | null }>(
        `SELECT max(pos) AS pos FROM ${s}.session_changes`,
      );
      return Number(rows[0]?.pos ?? 0);
    },
    pollMs: BACKSTOP_MS,
    subscribe(wake) {
      if (!options.notify) return pollEvery(wake, options.pollMs);
      let stopped = false;
      let client: ListeningClient | undefined;
      // Until the self-test confirms notifications, poll: a watcher that starts during it is not
      // left to the 1 s backstop, and the self-test may wait long.
      let stopPolling: (() => void) | undefined = pollEvery(wake, options.pollMs);
      listen(wake, () => stopped)
        .then((listening) => {
          if (stopped) {
            if (listening) release(listening);
            return;
          }
          client = listening;
          if (client) {
            stopPolling?.();
            stopPolling = undefined;
          } else {
            fallBack(`notifications on channel "${channel}" did not arrive within ${SELF_TEST_MS} ms`);
          }
        })
        .catch((error: unknown) => {
          if (stopped) return;
          fallBack(`LISTEN failed (${(error as Error)?.message ?? String(error)})`);
        });
      return () => {
        stopped = true;
        stopPolling?.();
        if (client) release(client);
        client = undefined;
      };
    },
  };
}
