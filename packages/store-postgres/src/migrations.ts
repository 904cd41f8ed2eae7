import { SessionKitError } from "@sessionkit/core/driver";
import { changeStampsSql } from "./change-stamps.js";
import type { PoolClientLike, PoolLike } from "./pool.js";

/** One numbered schema change; `sql(schema)` gets the already-quoted schema name. */
export interface Migration {
  version: number;
  name: string;
  sql(schema: string): string;
}

/** Every migration this release knows, in order. Never edit a released one; add the next number. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "sessions and events",
    // Timestamps are ISO-8601 text in UTC written by the store: byte order is time order, and no
    // server or client TimeZone setting can touch them. Equality columns hold JSON literals (see encode.ts).
    sql: (s) => `
      CREATE TABLE ${s}.sessions (
        id text COLLATE "C" PRIMARY KEY,
        version integer NOT NULL,
        event_count integer NOT NULL,
        status text COLLATE "C" NOT NULL,
        mode text COLLATE "C" NOT NULL,
        user_id text COLLATE "C",
        channel_id text COLLATE "C",
        created_at text COLLATE "C" NOT NULL,
        updated_at text COLLATE "C" NOT NULL,
        iterations bigint NOT NULL,
        metadata_index jsonb NOT NULL DEFAULT '{}',
        record text NOT NULL
      );
      CREATE INDEX sessions_order_idx ON ${s}.sessions (created_at, id);
      CREATE INDEX sessions_updated_idx ON ${s}.sessions (updated_at);
      CREATE INDEX sessions_status_updated_idx ON ${s}.sessions (status, updated_at);
      CREATE INDEX sessions_user_idx ON ${s}.sessions (user_id, created_at, id);
      CREATE INDEX sessions_channel_idx ON ${s}.sessions (channel_id, created_at, id);
      CREATE INDEX sessions_mode_idx ON ${s}.sessions (mode, created_at, id);
      CREATE INDEX sessions_metadata_idx ON ${s}.sessions USING gin (metadata_index jsonb_path_ops);
      CREATE TABLE ${s}.events (
        session_id text COLLATE "C" NOT NULL REFERENCES ${s}.sessions (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        body text NOT NULL,
        PRIMARY KEY (session_id, seq)
      );
    `,
  },
  {
    version: 2,
    name: "session_changes: the store-wide change log behind watch(), kept by a trigger",
    sql: changeLogSql,
  },
  {
    version: 3,
    name: "inbox columns: awaiting and the earliest expiry of the open requests, partial indexes",
    sql: inboxSql,
  },
  {
    version: 4,
    name: "sessionkit_leases: store-wide named leases (one retention run at a time)",
    // A row, not a session-level advisory lock: an advisory lock lives on one connection, which a
    // pool hands around and a dead client holds until TCP notices; a row says who holds it and
    // until when, and is changed by compare-and-set statements from any connection.
    sql: (s) =>
      `CREATE TABLE ${s}.sessionkit_leases (name text COLLATE "C" PRIMARY KEY, holder text NOT NULL);`,
  },
  {
    version: 5,
    name: "session_changes_trimmed: how far retention (changeLog.maxLength) trimmed the change log",
    // A watermark, read in the same statement as each page of changes (one snapshot), so a trim
    // between two reads can never pass for the end of the log; the same shape as SQLite's.
    sql: (s) => `
      CREATE TABLE ${s}.session_changes_trimmed (id integer PRIMARY KEY CHECK (id = 1), pos bigint NOT NULL);
      INSERT INTO ${s}.session_changes_trimmed (id, pos) VALUES (1, 0);
    `,
  },
  // 6 and 7 were reserved for an operation-id side table and inbox tags that did not land. They stay
  // unused: migrate() applies only versions above the highest applied one, so a schema already at 8
  // would never run a 6 or 7 added later. The next migration is 9.
  {
    version: 8,
    name: "session_changes stamped by readers: no counter row or NOTIFY in the writer's transaction",
    sql: changeStampsSql,
  },
];

/** The LISTEN/NOTIFY channel of a schema's change log (since migration 8 the store notifies the written session ids: change-notify.ts). */
export function changeChannel(schema: string): string {
  return `sessionkit_changes_${schema}`.slice(0, 63);
}

/**
 * The change log. A trigger records every insert, commit and delete of a session, whatever the
 * write path (append fast path, upsert, delete, prune), in the writer's own transaction. pos
 * comes from one counter row updated in that transaction: its row lock is held to COMMIT, so
 * pos order is commit order and a reader never sees pos N+1 before N (a bigserial would let a
 * later pos commit first, and a reader past it would skip the earlier one for good). The cost is
 * that commits of different sessions serialise on that row from the trigger to COMMIT (a short
 * tail of each transaction). Facts are built by concatenating the JSON-literal columns, so no
 * value is re-parsed (lone surrogates included). Existing sessions get one "created" change each.
 */
function changeLogSql(s: string): string {
  const schema = s.slice(1, -1);
  const facts = (row: string) =>
    `'{"mode":' || ${row}.mode || ',"status":"' || ${row}.status || '"' || coalesce(',"userId":' || ${row}.user_id, '') || coalesce(',"channelId":' || ${row}.channel_id, '') || '}'`;
  return `
    CREATE TABLE ${s}.session_changes (
      pos bigint PRIMARY KEY,
      session_id text COLLATE "C" NOT NULL,
      kind text NOT NULL,
      version integer NOT NULL,
      from_seq integer NOT NULL,
      to_seq integer NOT NULL,
      facts text
    );
    CREATE TABLE ${s}.session_change_counter (id integer PRIMARY KEY, pos bigint NOT NULL);
    INSERT INTO ${s}.session_changes (pos, session_id, kind, version, from_seq, to_seq, facts)
      SELECT row_number() OVER (ORDER BY updated_at, id), id, 'created', version, 1, event_count, '{"a":' || ${facts("sessions")} || '}'
      FROM ${s}.sessions;
    INSERT INTO ${s}.session_change_counter (id, pos) SELECT 1, coalesce(max(pos), 0) FROM ${s}.session_changes;
    CREATE FUNCTION ${s}.sessionkit_record_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE
      next_pos bigint;
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.version = OLD.version THEN RETURN NULL; END IF;
      UPDATE ${s}.session_change_counter SET pos = pos + 1 WHERE id = 1 RETURNING pos INTO next_pos;
      IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.created_at <> OLD.created_at OR NEW.event_count < OLD.event_count)) THEN
        -- A create, or an import that replaced the session (an upsert): its whole history is new.
        INSERT INTO ${s}.session_changes VALUES (next_pos, NEW.id, 'created', NEW.version, 1, NEW.event_count, '{"a":' || ${facts("NEW")} || '}');
      ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO ${s}.session_changes VALUES (next_pos, NEW.id, 'committed', NEW.version, OLD.event_count + 1, NEW.event_count,
          '{"a":' || ${facts("NEW")} || ',"b":' || ${facts("OLD")} || '}');
      ELSE
        INSERT INTO ${s}.session_changes VALUES (next_pos, OLD.id, 'deleted', OLD.version, OLD.event_count + 1, OLD.event_count, '{"a":' || ${facts("OLD")} || '}');
      END IF;
      PERFORM pg_notify('${changeChannel(schema)}', next_pos::text);
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER sessionkit_changes AFTER INSERT OR UPDATE OR DELETE ON ${s}.sessions
      FOR EACH ROW EXECUTE FUNCTION ${s}.sessionkit_record_change();
  `;
}

/**
 * The inbox index: the store writes `awaiting` (open requests exist) and `inbox_expires` (their
 * earliest expiresAt) with every row, in the same statement as the record. Partial indexes hold
 * only awaiting rows (10,000 of 100,000 in the bench), so the inbox query never reads the rest.
 * The backfill parses each candidate record as jsonb; one jsonb refuses (a NUL or a lone
 * surrogate) stays unflagged until its next write, which recomputes both columns.
 */
function inboxSql(s: string): string {
  return `
    ALTER TABLE ${s}.sessions ADD COLUMN awaiting boolean NOT NULL DEFAULT false,
      ADD COLUMN inbox_expires text COLLATE "C";
    DO $backfill$
    DECLARE
      r record;
    BEGIN
      FOR r IN SELECT id, record FROM ${s}.sessions WHERE strpos(record, '"inputRequests"') > 0 LOOP
        BEGIN
          UPDATE ${s}.sessions SET awaiting = true,
            inbox_expires = (SELECT min(q->>'expiresAt') FROM jsonb_array_elements(r.record::jsonb->'inputRequests') q)
          WHERE id = r.id AND jsonb_typeof(r.record::jsonb->'inputRequests') = 'array'
            AND jsonb_array_length(r.record::jsonb->'inputRequests') > 0;
        EXCEPTION WHEN others THEN NULL;
        END;
      END LOOP;
    END
    $backfill$;
    CREATE INDEX sessions_inbox_idx ON ${s}.sessions (created_at, id) WHERE awaiting;
    CREATE INDEX sessions_inbox_user_idx ON ${s}.sessions (user_id, created_at, id) WHERE awaiting;
    CREATE INDEX sessions_inbox_channel_idx ON ${s}.sessions (channel_id, created_at, id) WHERE awaiting;
  `;
}

/** The schema version this release writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

// Constant first half of the advisory lock key, so our locks do not collide with an application's.
const LOCK_CLASS = 0x5345_5353; // "SESS"
const MISSING = new Set(["42P01", "3F000"]);

/** A schema name as SQL: validated before, quoted here. */
export function quoteSchema(schema: string): string {
  return `"${schema}"`;
}

function unsupported(component: string, schema: string, found: number): SessionKitError {
  return new SessionKitError(
    "ERR_UNSUPPORTED_SCHEMA",
    `[${component}] Schema "${schema}" is at migration ${found}, newer than ${LATEST_SCHEMA_VERSION} which this release knows. Upgrade @sessionkit/store-postgres; nothing was changed.`,
    { details: { schema, found, supported: LATEST_SCHEMA_VERSION } },
  );
}

async function appliedVersion(db: PoolLike | PoolClientLike, s: string): Promise<number> {
  const { rows } = await db.query<{ v: number | null }>(
    `SELECT max(version) AS v FROM ${s}.sessionkit_migrations`,
  );
  return rows[0]?.v ?? 0;
}

/**
 * Brings `schema` to the latest version. Safe from many processes at once: the first takes a
 * transaction-scoped advisory lock and migrates; the others wait for it, then find nothing to do.
 * Returns the migrations it applied.
 */
export async function migrate(
  pool: PoolLike,
  schema: string,
  component = "store-postgres",
): Promise<number[]> {
  const s = quoteSchema(schema);
  try {
    const current = await appliedVersion(pool, s);
    if (current > LATEST_SCHEMA_VERSION) throw unsupported(component, schema, current);
    if (current === LATEST_SCHEMA_VERSION) return [];
  } catch (error) {
    if (!MISSING.has((error as { code?: string }).code ?? "")) throw error;
  }
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.sessionkit_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const current = await appliedVersion(client, s);
    if (current > LATEST_SCHEMA_VERSION) throw unsupported(component, schema, current);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql(s));
      await client.query(`INSERT INTO ${s}.sessionkit_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query("COMMIT");
    return applied;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
