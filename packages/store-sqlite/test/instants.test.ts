import { createManualClock, isSessionKitError } from "@sessionkit/core";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import { describe, expect, it } from "vitest";
import { dbFile, rawDb, tempDir } from "./helpers.js";

// Issue 14 #8: the SQL compares instants as text, which is only instant order for years
// 0000-9999. Core's wrapper refuses the rest; these check that no SQL path of this store is
// reached with one, and that the SQL-only paths order the extreme years correctly.

const YEAR_10000 = "+010000-01-01T00:00:00.000Z";
const YEAR_MINUS_1 = "-000001-01-01T00:00:00.000Z";

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "resolved",
    (error: unknown) => (isSessionKitError(error) ? error.code : `raw ${String(error)}`),
  );
}

/** Every row of every table, read behind the store's back. */
function dump(file: string): unknown {
  const raw = rawDb(file);
  try {
    return ["sessions", "events", "session_metadata"].map((table) =>
      raw.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all(),
    );
  } finally {
    raw.close();
  }
}

describe("store-sqlite: instants outside years 0000-9999", () => {
  it("are refused before any SQL runs: every table is unchanged", async () => {
    const file = dbFile(tempDir());
    const clock = createManualClock();
    const store = createSqliteStore({ filename: file, clock });
    const { session } = await store.create({ mode: "m", task: "t", status: "completed" });
    const before = dump(file);
    const outcomes: string[] = [];
    for (const at of [YEAR_10000, YEAR_MINUS_1]) {
      const imported = { ...session, id: "session_far", createdAt: at, updatedAt: at };
      outcomes.push(await codeOf(store.importSession(imported, [])));
      outcomes.push(await codeOf(store.prune({ olderThan: at })));
      outcomes.push(await codeOf(store.list({ updatedAfter: at })));
      outcomes.push(await codeOf(store.stats({ createdBefore: at })));
      clock.set(at === YEAR_10000 ? Date.UTC(10000, 0, 1) : Date.UTC(-1, 0, 1));
      outcomes.push(await codeOf(store.commit(session.id, { events: [{ type: "x" }] })));
      outcomes.push(await codeOf(store.create({ mode: "m", task: "t" })));
      clock.set("2026-01-01T00:00:00.000Z");
    }
    expect(outcomes).toEqual(
      Array(2)
        .fill(["ERR_INVALID_INPUT", "ERR_INVALID_INPUT", "ERR_INVALID_QUERY", "ERR_INVALID_QUERY"])
        .flatMap((codes) => [...codes, "ERR_INVALID_INPUT", "ERR_INVALID_INPUT"]),
    );
    expect(dump(file)).toEqual(before);
    await store.close();
  });

  it("the SQL-only paths (updated-minute index, prune DELETE, stats GROUP BY) order years 0000 and 9999 as instants", async () => {
    const clock = createManualClock("0000-01-01T00:00:00.000Z");
    const store = createSqliteStore({ filename: dbFile(tempDir()), clock });
    const first = (await store.create({ mode: "m", task: "t", status: "completed" })).session;
    clock.set("9999-12-31T23:59:59.999Z");
    const last = (await store.create({ mode: "m", task: "t", status: "completed" })).session;
    const ids = async (query: Parameters<typeof store.list>[0]) =>
      (await store.list(query)).items.map((s) => s.id);
    expect(await ids({ updatedAfter: "9999-12-31T23:59:00.000Z" })).toEqual([last.id]);
    expect(await ids({ updatedBefore: "0000-01-01T00:00:59.999Z", status: "completed" })).toEqual([first.id]);
    expect((await store.stats({ updatedBefore: "5000-01-01T00:00:00.000Z" })).total).toBe(1);
    expect((await store.prune({ olderThan: "9999-12-31T23:59:59.999Z" })).ids).toEqual([first.id]);
    expect(await ids({})).toEqual([last.id]);
    await store.close();
  });
});
