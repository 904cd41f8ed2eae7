import { createSqliteStore, migrate } from "@sessionkit/store-sqlite";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { dbFile, rawDb, tempDir } from "./helpers.js";

interface Row {
  pos: number;
  kind: string;
  facts: string | null;
}

describe("store-sqlite change log (schema 6)", () => {
  it("an events-only append writes a change row without facts; a filtered watch still sees it", async () => {
    const file = dbFile(tempDir());
    const store = createSqliteStore({ filename: file });
    try {
      const { session } = await store.create({ mode: "m", task: "t", userId: "u1" });
      await store.commit(session.id, { events: [{ type: "e", data: { i: 1 } }] });
      await store.commit(session.id, { events: [{ type: "e", data: { i: 2 } }] });
      const raw = rawDb(file);
      const rows = raw.prepare("SELECT pos, kind, facts FROM session_changes ORDER BY pos").all() as Row[];
      raw.close();
      expect(rows.map((row) => row.kind)).toEqual(["created", "committed", "committed"]);
      expect(rows[0]!.facts).not.toBeNull();
      expect(rows.slice(1).map((row) => row.facts)).toEqual([null, null]);
      const controller = new AbortController();
      const seen: number[] = [];
      for await (const item of store.watch({ userId: "u1" }, { since: "start", signal: controller.signal })) {
        if (item.event) seen.push((item.event.data as { i: number }).i);
        if (seen.length === 2) controller.abort();
      }
      expect(seen).toEqual([1, 2]);
      const other: string[] = [];
      const quiet = new AbortController();
      const it = store
        .watch({ userId: "u2" }, { since: "start", signal: quiet.signal })
        [Symbol.asyncIterator]();
      const next = it.next();
      await store.commit(session.id, { events: [{ type: "e", data: { i: 3 } }] });
      setTimeout(() => quiet.abort(), 200);
      const result = await next;
      if (!result.done) other.push(result.value.sessionId);
      expect(other).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("migration 6 keeps every pos of an existing change log, and new changes come after the highest", async () => {
    const file = dbFile(tempDir());
    const old = new Database(file);
    migrate(old, 5);
    old.exec(`INSERT INTO session_changes (pos, session_id, kind, version, from_seq, to_seq, facts)
      VALUES (3, 'session_a', 'deleted', 1, 1, 0, NULL), (9, 'session_b', 'deleted', 1, 1, 0, NULL)`);
    old.close();
    const store = createSqliteStore({ filename: file });
    try {
      await store.create({ mode: "m", task: "t" });
      const raw = rawDb(file);
      const rows = raw.prepare("SELECT pos, kind FROM session_changes ORDER BY pos").all() as Row[];
      const table = raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'session_changes'").get() as {
        sql: string;
      };
      raw.close();
      expect(rows.map((row) => row.pos)).toEqual([3, 9, 10]);
      expect(table.sql).not.toMatch(/AUTOINCREMENT/i);
    } finally {
      await store.close();
    }
  });
});
