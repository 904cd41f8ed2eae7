import type { ParsedFilter } from "@sessionkit/core/driver";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import { describe, expect, it } from "vitest";
import { countSql, listSql, pruneWhere, statsSql } from "../src/sql-filter.js";
import { dbFile, rawDb, tempDir } from "./helpers.js";

const T = "2026-11-24T10:00:00.000Z";

function plan(file: string, sql: string, params: unknown[]): string {
  const db = rawDb(file);
  try {
    const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>;
    return rows.map((row) => row.detail).join(" | ");
  } finally {
    db.close();
  }
}

const FILTERS: Array<[string, ParsedFilter]> = [
  ["none", {}],
  ["userId", { userId: "u" }],
  ["channelId", { channelId: "c" }],
  ["mode", { mode: "m" }],
  ["status", { statuses: ["active"] }],
  ["statuses", { statuses: ["active", "paused"] }],
  ["created range", { createdFrom: T, createdTo: T }],
  ["updated range", { updatedFrom: T, updatedTo: T }],
  ["metadata", { metadata: [["team", "a"]] }],
  ["userId + status + createdFrom", { userId: "u", statuses: ["completed"], createdFrom: T }],
];

describe("store-sqlite query plans", () => {
  it.each(FILTERS)(
    "list, count and (filtered) stats by %s search an index instead of scanning the table",
    async (_, filter) => {
      const file = dbFile(tempDir());
      await createSqliteStore({ filename: file }).close();
      const stats = [statsSql(filter)];
      for (const query of [
        listSql(filter),
        listSql(filter, { createdAt: T, id: "session_x" }),
        countSql(filter),
        ...stats,
      ]) {
        const detail = plan(file, query.sql, [...query.params, 10].slice(0, query.sql.split("?").length - 1));
        expect(detail, query.sql).toMatch(/USING (COVERING )?INDEX|USING PRIMARY KEY/);
        expect(detail, query.sql).not.toMatch(/SCAN sessions(?! USING)/);
      }
    },
  );

  it.each([
    ["none", {}],
    ["userId", { userId: "u" }],
    ["channelId", { channelId: "c" }],
    ["mode", { mode: "m" }],
    ["one status", { statuses: ["completed"] }],
  ] as Array<[string, ParsedFilter]>)(
    "a list filtered by %s walks an index in list order: no sort step",
    async (_, filter) => {
      const file = dbFile(tempDir());
      await createSqliteStore({ filename: file }).close();
      const query = listSql(filter, { createdAt: T, id: "session_x" });
      const detail = plan(file, query.sql, [...query.params, 10]);
      expect(detail).toMatch(/\(created_at,id\)<\(\?,\?\)/);
      expect(detail).not.toMatch(/TEMP B-TREE/);
    },
  );

  it("unfiltered statistics walk the covering stats index in group order: no row read, no sort", async () => {
    const file = dbFile(tempDir());
    await createSqliteStore({ filename: file }).close();
    const stats = statsSql({});
    const detail = plan(file, stats.sql, stats.params);
    expect(detail).toMatch(/^SCAN sessions USING COVERING INDEX sessions_stats/);
    expect(detail).not.toMatch(/TEMP B-TREE/);
  });

  it("prune searches the (status, updated_minute) index", async () => {
    const file = dbFile(tempDir());
    await createSqliteStore({ filename: file }).close();
    const prune = pruneWhere(["completed", "failed", "timeout"], T);
    expect(plan(file, `SELECT id FROM sessions WHERE ${prune.sql}`, prune.params)).toMatch(
      /SEARCH sessions USING INDEX sessions_by_status_updated/,
    );
  });
});
