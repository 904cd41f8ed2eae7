import { expectSameInboxPages, randomInboxHistory } from "@sessionkit/conformance";
import { createManualClock, createMemoryStore } from "@sessionkit/core";
import { createSqliteStore, migrate } from "@sessionkit/store-sqlite";
import { describe, expect, it } from "vitest";
import { inboxSql } from "../src/sql-filter.js";
import { dbFile, rawDb, tempDir } from "./helpers.js";

const START = Date.parse("2026-01-01T00:00:00.000Z");

describe("store-sqlite session_inbox index", () => {
  it("answers every inbox query and page exactly as the generic scan (memory store) over random data", async () => {
    for (const seed of [1, 2]) {
      const clock = createManualClock(START);
      const file = dbFile(tempDir());
      const sqlite = createSqliteStore({ filename: file, clock });
      const memory = createMemoryStore({ clock });
      await randomInboxHistory([sqlite, memory], clock, seed, 160);
      expect(await expectSameInboxPages(sqlite, memory)).toBeGreaterThan(20);
      // The answer came from the index: emptied behind the store's back, the inbox is empty.
      const raw = rawDb(file);
      raw.exec("DELETE FROM session_inbox");
      raw.close();
      expect((await sqlite.listAwaitingInput()).items).toEqual([]);
      await sqlite.close();
    }
  });

  it("a tag query reads session_inbox_tags (schema 12): emptied behind the store's back, only tag queries go empty", async () => {
    const clock = createManualClock(START);
    const file = dbFile(tempDir());
    const sqlite = createSqliteStore({ filename: file, clock });
    const memory = createMemoryStore({ clock });
    await randomInboxHistory([sqlite, memory], clock, 3, 120);
    expect((await sqlite.listAwaitingInput({ tag: "a", limit: 1000 })).items).toEqual(
      (await memory.listAwaitingInput({ tag: "a", limit: 1000 })).items,
    );
    const raw = rawDb(file);
    const plan = raw
      .prepare(`EXPLAIN QUERY PLAN ${inboxSql({ tag: "a" }).sql}`)
      .all(...inboxSql({ tag: "a" }).params, 10) as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join(" | ")).toMatch(/^SEARCH t USING PRIMARY KEY \(tag=\?\)/);
    raw.exec("DELETE FROM session_inbox_tags");
    raw.close();
    expect((await sqlite.listAwaitingInput({ tag: "a" })).items).toEqual([]);
    expect((await sqlite.listAwaitingInput({})).items.length).toBeGreaterThan(0);
    await sqlite.close();
  });

  it("the schema-5 migration backfills session_inbox from the records of a schema-4 database", async () => {
    const clock = createManualClock(START);
    const written = dbFile(tempDir());
    const sqlite = createSqliteStore({ filename: written, clock });
    const memory = createMemoryStore({ clock });
    await randomInboxHistory([sqlite, memory], clock, 7, 120);
    await sqlite.close();
    // A real schema-4 database (what the release before the inbox index wrote): migrate a new file to 4
    // only, then copy the rows in. Migrations 5 and 6 leave sessions, events and session_metadata as they
    // were, so the rows are exactly what that release would have stored.
    const file = dbFile(tempDir());
    const old = rawDb(file);
    migrate(old, 4);
    old.exec(`ATTACH DATABASE '${written.replaceAll("'", "''")}' AS latest`);
    old.exec(`
      INSERT INTO sessions SELECT * FROM latest.sessions;
      INSERT INTO events SELECT * FROM latest.events;
      INSERT INTO session_metadata SELECT * FROM latest.session_metadata;`);
    old.exec("DETACH DATABASE latest");
    expect(old.prepare("SELECT MAX(version) AS v FROM sessionkit_migrations").get()).toEqual({ v: 4 });
    expect(old.prepare("SELECT name FROM sqlite_master WHERE name = 'session_inbox'").all()).toEqual([]);
    old.close();
    const reopened = createSqliteStore({ filename: file, clock });
    expect(await reopened.count()).toBe(await memory.count());
    const check = rawDb(file);
    const inboxRows = (check.prepare("SELECT COUNT(*) AS n FROM session_inbox").get() as { n: number }).n;
    check.close();
    expect(inboxRows).toBeGreaterThan(10);
    expect(await expectSameInboxPages(reopened, memory)).toBeGreaterThan(10);
    await reopened.close();
  });
});
