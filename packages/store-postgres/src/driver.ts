import {
  type CommitPlan,
  checkReplacedAsync,
  collectInbox,
  collectPage,
  errors,
  foldStats,
  parseEventText,
  parseRecordText,
  type Session,
  type SessionEvent,
  type StoreCapabilities,
  type StoreDriver,
  toSummary,
} from "@sessionkit/core/driver";
import { type BulkImportDeps, importBatch } from "./bulk-import.js";
import { eventArrays, fromTextKey, sessionRow } from "./encode.js";
import { quoteSchema } from "./migrations.js";
import { type BatchDeps, deleteBatchPg, readManyPg } from "./pg-batch.js";
import { isRetryable, toStoreError } from "./pg-errors.js";
import { swapPgLease } from "./pg-lease.js";
import type { PoolClientLike, PoolLike, QueryableLike } from "./pool.js";
import { inboxSql, statements, whereClause } from "./sql.js";

/** Optimistic attempts before a commit takes the row lock, so a hot session still makes progress. */
const OPTIMISTIC_ATTEMPTS = 4;
const TRANSACTION_RETRIES = 5;

export interface PostgresDriverOptions {
  pool: PoolLike;
  schema: string;
  capabilities: StoreCapabilities;
  /** "host:port" for error messages. */
  target: string;
  /** Resolves once the schema is migrated; awaited before every operation. */
  ready: () => Promise<void>;
  /** Use named prepared statements (default true; turn off behind poolers that cannot keep them). */
  prepare: boolean;
  /** Called by close() to release what the store owns. */
  release: () => Promise<void>;
}

type Db = QueryableLike;

/** The PostgreSQL StoreDriver: every operation is one or two round trips of plain SQL. */
/** A candidate row of the inbox query (created_at is text in the list order's form). */
type InboxRow = { id: string; created_at: string; record: string };

export function createPostgresDriver(options: PostgresDriverOptions): StoreDriver {
  const name = "store-postgres";
  const { pool, target } = options;
  const sql = statements(quoteSchema(options.schema));
  const prefix = `sk_${options.schema}_`;

  /**
   * Runs one of the fixed statements, prepared once per connection: planning the commit CTE
   * costs more than executing it (measured ~0.6 ms of 1 ms unprepared), so this halves an append.
   */
  function exec<R>(db: Db, key: keyof typeof sql, values: unknown[]) {
    if (!options.prepare) return db.query<R>(sql[key], values);
    return db.query<R>({ name: prefix + key, text: sql[key], values });
  }

  const parseSession = (id: string, record: string): Session => parseRecordText(record, id, name);
  const parseEvent = (id: string, body: string): SessionEvent => parseEventText(body, id, name);

  async function run<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      await options.ready();
      return await fn();
    } catch (error) {
      throw toStoreError(name, action, error, target);
    }
  }

  async function transaction<T>(fn: (client: PoolClientLike) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await fn(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        if (attempt < TRANSACTION_RETRIES && isRetryable(error)) continue;
        throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  /** A session as last read or written by this handle, with the server's digest of its record. */
  interface Seen {
    session: Session;
    digest: string;
  }

  // The state this handle last committed, per session: an append plans from it and writes in one
  // round trip. The write is conditioned on version and record digest, so a stale or tampered
  // entry only costs a failed write and a fresh read; it can never commit a wrong state. Each entry
  // is a private deep copy: the session a commit returns is the caller's to mutate, and the guard
  // checks the row, not this memory, so an alias would be written unnoticed (issue 14 #1).
  const lastSeen = new Map<string, Seen>();
  const LAST_SEEN_MAX = 10_000;

  function remember(id: string, seen: Seen): void {
    lastSeen.delete(id);
    lastSeen.set(id, seen);
    if (lastSeen.size > LAST_SEEN_MAX) lastSeen.delete(lastSeen.keys().next().value as string);
  }

  async function readCurrent(db: Db, id: string, lock: boolean): Promise<Seen> {
    const { rows } = await exec<{ record: string; digest: string }>(
      db,
      lock ? "getForUpdate" : "getForCommit",
      [id],
    );
    const row = rows[0];
    if (!row) throw errors.notFound(name, id);
    return { session: parseSession(id, row.record), digest: row.digest };
  }

  /** Writes `plan` if the row is still `seen`; the new digest, or null when it changed meanwhile. */
  async function write(db: Db, seen: Seen, { next, events }: CommitPlan): Promise<string | null> {
    const row = sessionRow(next);
    if (events.length === 0) {
      const result = await exec<{ digest: string }>(db, "update", [
        ...row,
        seen.session.version,
        seen.digest,
      ]);
      return result.rows[0]?.digest ?? null;
    }
    const one = events.length === 1 ? events[0]! : undefined;
    const { rows } = await exec<{ digest: string | null }>(db, one ? "appendOne" : "updateWithEvents", [
      ...row,
      seen.session.version,
      ...(one ? [one.seq, JSON.stringify(one)] : eventArrays(events)),
      seen.digest,
    ]);
    return rows[0]?.digest ?? null;
  }

  const bulk: BulkImportDeps = {
    name,
    exec,
    transaction,
    parseSession,
    forget: (id) => lastSeen.delete(id),
  };
  const batch: BatchDeps = { ...bulk, parseEvent, readRows: (ids) => exec(pool, "readMany", [ids]) };

  function list(
    filter: Parameters<NonNullable<StoreDriver["list"]>>[0],
    after: Parameters<NonNullable<StoreDriver["list"]>>[1],
    limit: number,
  ) {
    type Row = { id: string; created_at: string; record: string };
    return collectPage<Row>(
      {
        fetch: async (position, want) => {
          const where = whereClause(filter, position);
          where.params.push(want);
          const { rows } = await pool.query<Row>(
            `SELECT id, created_at, record FROM ${quoteSchema(options.schema)}.sessions ${where.sql}
             ORDER BY created_at DESC, id DESC LIMIT $${where.params.length}`,
            where.params,
          );
          return rows;
        },
        position: (row) => ({ createdAt: row.created_at, id: row.id }),
        summary: (row) => toSummary(parseSession(row.id, row.record)),
      },
      after,
      limit,
    );
  }

  return {
    name,
    capabilities: options.capabilities,

    insert: (session, events, { overwrite, check }) =>
      run("insert", async () => {
        lastSeen.delete(session.id);
        const row = sessionRow(session);
        const arrays = eventArrays(events);
        if (!overwrite) {
          const { rows } = await exec<{ n: number }>(pool, "insertNew", [...row, ...arrays]);
          if (rows[0]?.n !== 1) throw errors.exists(name, session.id);
          return;
        }
        await transaction(async (client) => {
          // The row lock taken by the check's read makes check and overwrite one step; a free id
          // has no row to lock, and two overwrites of it meet at the upsert's conflict.
          await checkReplacedAsync(async () => {
            const { rows } = await exec<{ record: string }>(client, "getForUpdate", [session.id]);
            return rows[0] ? parseSession(session.id, rows[0].record) : null;
          }, check);
          await exec(client, "upsert", row);
          await exec(client, "deleteEvents", [session.id]);
          if (events.length > 0) await exec(client, "insertEvents", [session.id, ...arrays]);
        });
      }),

    importMany: (records, importOptions) =>
      run("import sessions", () => importBatch(bulk, records, importOptions)),

    readMany: (ids) => run("read sessions", () => readManyPg(batch, ids)),

    deleteBatch: (items) => run("delete sessions", () => deleteBatchPg(batch, items)),

    listAwaitingInput: (filter, after, limit) =>
      run("listAwaitingInput", async () =>
        collectInbox<InboxRow>(
          {
            fetch: async (position, want) => {
              const query = inboxSql(quoteSchema(options.schema), filter, position, want);
              return (await pool.query<InboxRow>(query.sql, query.params)).rows;
            },
            position: (row) => ({ createdAt: row.created_at, id: row.id }),
            session: (row) => parseSession(row.id, row.record),
          },
          filter,
          after,
          limit,
        ),
      ),

    get: (id) =>
      run("get", async () => {
        const { rows } = await exec<{ record: string }>(pool, "get", [id]);
        const row = rows[0];
        return row ? parseSession(id, row.record) : null;
      }),

    commit: (id, plan) =>
      run("commit", async () => {
        // Optimistic: plan from the state this handle last wrote (or a fresh read), then one
        // statement that writes only if nobody committed in between.
        let cached = lastSeen.get(id);
        for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
          const seen = cached ?? (await readCurrent(pool, id, false));
          let planned: CommitPlan;
          try {
            planned = plan(seen.session);
          } catch (error) {
            // A remembered state may be stale (say, an expectedVersion another handle reached): decide on fresh data.
            if (cached === undefined) throw error;
            cached = undefined;
            lastSeen.delete(id);
            attempt -= 1;
            continue;
          }
          const digest = await write(pool, seen, planned);
          if (digest !== null) {
            remember(id, { session: structuredClone(planned.next), digest });
            return planned.next;
          }
          if (cached !== undefined) attempt -= 1; // a stale memory is not a lost race
          cached = undefined;
          lastSeen.delete(id);
        }
        // Contended: hold the row lock while planning, which always succeeds.
        return transaction(async (client) => {
          const seen = await readCurrent(client, id, true);
          const planned = plan(seen.session);
          const digest = await write(client, seen, planned);
          if (digest === null) throw new Error("the locked row changed");
          remember(id, { session: structuredClone(planned.next), digest });
          return planned.next;
        });
      }),

    readEvents: (id, fromSeq, toSeq) =>
      run("read events", async () => {
        const { rows } = await exec<{ body: string | null }>(pool, "readEvents", [
          id,
          fromSeq,
          toSeq ?? Number.MAX_SAFE_INTEGER,
        ]);
        if (rows.length === 0) throw errors.notFound(name, id);
        return rows.flatMap((row) => (row.body === null ? [] : [parseEvent(id, row.body)]));
      }),

    readLastEvents: (id, count) =>
      run("read events", async () => {
        const { rows } = await exec<{ body: string | null }>(pool, "readLast", [id, count]);
        if (rows.length === 0) throw errors.notFound(name, id);
        return rows.flatMap((row) => (row.body === null ? [] : [parseEvent(id, row.body)]));
      }),

    list: (filter, after, limit) => run("list sessions", async () => list(filter, after, limit)),

    stats: (filter) =>
      run("compute statistics", async () => {
        const where = whereClause(filter);
        const { rows } = await pool.query<{
          status: string;
          mode: string;
          n: number;
          it: string;
          ev: string;
        }>(
          `SELECT status, mode, count(*)::int AS n, sum(iterations)::text AS it, sum(event_count)::text AS ev
           FROM ${quoteSchema(options.schema)}.sessions ${where.sql} GROUP BY status, mode`,
          where.params,
        );
        return foldStats(
          rows.map((row) => ({
            status: row.status,
            mode: fromTextKey(row.mode),
            count: row.n,
            iterations: Number(row.it),
            events: Number(row.ev),
          })),
        );
      }),

    count: (filter) =>
      run("count sessions", async () => {
        const where = whereClause(filter);
        const { rows } = await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${quoteSchema(options.schema)}.sessions ${where.sql}`,
          where.params,
        );
        return Number(rows[0]?.n ?? 0);
      }),

    delete: (id, check) =>
      run("delete", async () => {
        lastSeen.delete(id);
        if (check === undefined) return ((await exec(pool, "delete", [id])).rowCount ?? 0) > 0;
        // Optimistic, like commit: check a fresh read, delete only if the row is still at that version.
        for (;;) {
          const { rows } = await exec<{ record: string }>(pool, "get", [id]);
          const row = rows[0];
          if (!row) return false;
          const current = parseSession(id, row.record);
          check(current);
          if (((await exec(pool, "deleteVersion", [id, current.version])).rowCount ?? 0) > 0) return true;
        }
      }),

    prune: (statuses, before, dryRun) =>
      run("prune", async () => {
        const { rows } = await exec<{ id: string }>(pool, dryRun ? "pruneDry" : "prune", [statuses, before]);
        if (!dryRun) for (const row of rows) lastSeen.delete(row.id);
        return rows.map((row) => row.id);
      }),

    swapLease: (leaseName, expected, next) =>
      run("swapLease", () => swapPgLease(pool, quoteSchema(options.schema), leaseName, expected, next)),

    close: () => options.release(),
  };
}
