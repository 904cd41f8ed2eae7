import type { WatchItem } from "@sessionkit/core";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import { describe, expect, it } from "vitest";
import { dbFile, rawDb, tempDir } from "./helpers.js";

/** The first item of `iterable`. */
async function first(iterable: AsyncIterable<WatchItem>): Promise<WatchItem | undefined> {
  for await (const item of iterable) return item;
  return undefined;
}

describe("store-sqlite change-log retention", () => {
  it("trims session_changes as it grows and raises the watermark; the newest row stays", async () => {
    const file = dbFile(tempDir());
    const store = createSqliteStore({ filename: file, changeLog: { maxLength: 40 } });
    const { session } = await store.create({ mode: "m", task: "t" });
    for (let k = 0; k < 500; k++) await store.commit(session.id, { events: [{ type: "e" }] });
    await store.close();
    const raw = rawDb(file);
    const rows = raw.prepare("SELECT count(*) AS n, max(pos) AS head FROM session_changes").get() as {
      n: number;
      head: number;
    };
    const trimmed = (raw.prepare("SELECT pos FROM session_changes_trimmed").get() as { pos: number }).pos;
    raw.close();
    expect(rows.head).toBe(501);
    // 40 kept, at most one trim's slack (5) more, plus the live session's latest facts row (its create).
    expect(rows.n).toBeGreaterThanOrEqual(40);
    expect(rows.n).toBeLessThanOrEqual(40 + 5 + 1);
    expect(trimmed).toBeGreaterThan(400);
  });

  it("a filtered watcher still matches an append whose session's facts were recorded before the cut", async () => {
    // An append stores no facts of its own (schema 6): they come from the session's latest facts
    // row, which the trim must keep while the session lives, or the filter could not match it.
    const store = createSqliteStore({ filename: dbFile(tempDir()), changeLog: { maxLength: 20 } });
    const { session: quiet } = await store.create({ mode: "m", task: "t", userId: "u_quiet" });
    const { session: busy } = await store.create({ mode: "m", task: "t", userId: "u_busy" });
    for (let k = 0; k < 200; k++) await store.commit(busy.id, { events: [{ type: "e" }] });
    const watcher = first(store.watch({ userId: "u_quiet" }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.commit(quiet.id, { events: [{ type: "late" }] });
    const item = await watcher;
    expect(item?.sessionId).toBe(quiet.id);
    expect(item?.event?.type).toBe("late");
    await store.close();
  });

  it("refuses a changeLog.maxLength that is not a positive integer with ERR_INVALID_INPUT, before opening", () => {
    for (const maxLength of [0, 2.5, -3]) {
      expect(() => createSqliteStore({ filename: dbFile(tempDir()), changeLog: { maxLength } })).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_INPUT" }),
      );
    }
  });
});
