import type { QueryableLike } from "./pool.js";

// Advisory lock class of the stamper (the migration lock is 0x5345_5353, "SESS"): one stamper at a time per schema.
const STAMP_LOCK_CLASS = 0x5345_5354;

/**
 * Migration 8: the change log without a store-wide hot row. Until 7, the trigger took `pos` from one
 * counter row and sent a NOTIFY, both in the writer's transaction: the counter's row lock and NOTIFY's
 * commit lock are held through COMMIT, WAL flush included, so every commit of every session waited for
 * the previous one's flush (8 processes on distinct sessions: 0.54× the appends/s of one, bench/PROFILES.md).
 *
 * Now a writer's trigger only inserts its change row with `pos` NULL (an identity `id` gives the order
 * in which rows were written; two changes of one session are written under its row lock, so their ids
 * are in commit order). Readers stamp before they read: under an advisory lock, one statement gives
 * every committed unstamped row the next positions in `id` order. Since a stamper's snapshot is taken
 * after the previous stamper committed, rows it stamps come after every position already handed out and
 * a reader never sees pos N+1 before N. The wake-up moved to the store (change-notify.ts), after COMMIT.
 */
export function changeStampsSql(s: string): string {
  const facts = (row: string) =>
    `'{"mode":' || ${row}.mode || ',"status":"' || ${row}.status || '"' || coalesce(',"userId":' || ${row}.user_id, '') || coalesce(',"channelId":' || ${row}.channel_id, '') || '}'`;
  const into = `INSERT INTO ${s}.session_changes (session_id, kind, version, from_seq, to_seq, facts) VALUES`;
  return `
    ALTER TABLE ${s}.session_changes ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
    ALTER TABLE ${s}.session_changes DROP CONSTRAINT session_changes_pkey;
    ALTER TABLE ${s}.session_changes ALTER COLUMN pos DROP NOT NULL;
    CREATE UNIQUE INDEX session_changes_pos_idx ON ${s}.session_changes (pos);
    CREATE INDEX session_changes_unstamped_idx ON ${s}.session_changes (id) WHERE pos IS NULL;
    CREATE OR REPLACE FUNCTION ${s}.sessionkit_record_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.version = OLD.version THEN RETURN NULL; END IF;
      IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.created_at <> OLD.created_at OR NEW.event_count < OLD.event_count)) THEN
        -- A create, or an import that replaced the session (an upsert): its whole history is new.
        ${into} (NEW.id, 'created', NEW.version, 1, NEW.event_count, '{"a":' || ${facts("NEW")} || '}');
      ELSIF TG_OP = 'UPDATE' THEN
        ${into} (NEW.id, 'committed', NEW.version, OLD.event_count + 1, NEW.event_count,
          '{"a":' || ${facts("NEW")} || ',"b":' || ${facts("OLD")} || '}');
      ELSE
        ${into} (OLD.id, 'deleted', OLD.version, OLD.event_count + 1, OLD.event_count, '{"a":' || ${facts("OLD")} || '}');
      END IF;
      RETURN NULL;
    END
    $fn$;
    CREATE FUNCTION ${s}.sessionkit_stamp_changes() RETURNS void LANGUAGE plpgsql AS $fn$
    DECLARE
      base bigint;
      n bigint;
    BEGIN
      -- Nothing to do is the common case for a reader: an index probe, no lock, no write.
      IF NOT EXISTS (SELECT 1 FROM ${s}.session_changes WHERE pos IS NULL) THEN RETURN; END IF;
      -- Held to COMMIT. Each statement below takes its snapshot after the lock: it sees the
      -- previous stamper's rows as stamped, and the counter as that stamper left it.
      PERFORM pg_advisory_xact_lock(${STAMP_LOCK_CLASS}, hashtext('${s.slice(1, -1)}'));
      SELECT pos INTO base FROM ${s}.session_change_counter WHERE id = 1;
      WITH todo AS (
        SELECT id, base + row_number() OVER (ORDER BY id) AS p FROM ${s}.session_changes WHERE pos IS NULL
      )
      UPDATE ${s}.session_changes c SET pos = todo.p FROM todo WHERE c.id = todo.id;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n > 0 THEN UPDATE ${s}.session_change_counter SET pos = base + n WHERE id = 1; END IF;
    END
    $fn$;
  `;
}

/** Gives every committed unstamped change its position; run before any read of positions. */
export async function stampChanges(db: QueryableLike, s: string): Promise<void> {
  await db.query(`SELECT ${s}.sessionkit_stamp_changes()`);
}
