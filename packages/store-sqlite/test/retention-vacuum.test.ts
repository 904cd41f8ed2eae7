import { copyFileSync, statSync } from "node:fs";
import { createManualClock, createSessionManager } from "@sessionkit/core";
import {
  createSqliteStore,
  LATEST_SCHEMA_VERSION,
  migrate,
  readSchemaVersion,
} from "@sessionkit/store-sqlite";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { dbFile, rawDb, tempDir } from "./helpers.js";

const autoVacuum = (file: string): unknown => {
  const raw = rawDb(file);
  try {
    return raw.pragma("auto_vacuum", { simple: true });
  } finally {
    raw.close();
  }
};

describe("store-sqlite gives retention's space back", () => {
  it("a new database file uses auto_vacuum INCREMENTAL; a file from before schema 9 is converted by its migration, its data intact", async () => {
    const fresh = dbFile(tempDir());
    await createSqliteStore({ filename: fresh }).close();
    expect(autoVacuum(fresh)).toBe(2);

    const file = dbFile(tempDir());
    const old = new Database(file);
    migrate(old, 8);
    old.close();
    expect(autoVacuum(file)).toBe(0);
    const store = createSqliteStore({ filename: file });
    const { session } = await store.create({ mode: "m", task: "after the upgrade" });
    await store.close();
    expect(autoVacuum(file)).toBe(2);
    const raw = rawDb(file);
    expect(readSchemaVersion(raw)).toBe(LATEST_SCHEMA_VERSION);
    raw.close();
    const again = createSqliteStore({ filename: file });
    expect((await again.get(session.id))?.task).toBe("after the upgrade");
    await again.close();
  });

  it("applyRetention shrinks the file by at least 80 % of what it freed, and removes what its dry run listed", async () => {
    const file = dbFile(tempDir());
    const clock = createManualClock(Date.parse("2026-01-01T00:00:00.000Z"));
    let store = createSqliteStore({ filename: file, clock });
    const pad = "x".repeat(300);
    const events = Array.from({ length: 10 }, (_, k) => ({ type: "note", data: { k, pad } }));
    for (let i = 0; i < 1500; i++) {
      // 1,200 old completed sessions go; 300 recent ones (and every active one) stay.
      if (i === 1200) clock.advance(30 * 86_400_000);
      await store.create(
        { mode: "m", task: `t${i}`, status: i % 10 === 0 ? "active" : "completed" },
        { events },
      );
    }
    await store.close();
    const before = statSync(file).size;

    store = createSqliteStore({ filename: file, clock });
    const manager = createSessionManager({ store, clock });
    const policies = [{ when: { olderThan: "7d" }, action: "delete" as const }];
    const dry = await manager.applyRetention({ dryRun: true, policies });
    const real = await manager.applyRetention({ policies });
    expect(real.removed).toEqual(dry.removed);
    expect(real.removed).toHaveLength(1080);
    expect(await store.count()).toBe(420);
    await manager.close();
    await store.close();
    const after = statSync(file).size;

    // What was freed: the file's size minus the smallest file holding what is left (a VACUUMed copy).
    const copy = `${file}.vacuumed`;
    copyFileSync(file, copy);
    const raw = new Database(copy);
    raw.exec("VACUUM");
    raw.close();
    const least = statSync(copy).size;
    const freed = before - least;
    expect(freed).toBeGreaterThan(before / 2);
    expect(before - after).toBeGreaterThanOrEqual(0.8 * freed);
  });
});
