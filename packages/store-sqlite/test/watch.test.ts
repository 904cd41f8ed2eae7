import { createSqliteStore, migrate } from "@sessionkit/store-sqlite";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { dbFile, rawDb, tempDir } from "./helpers.js";

describe("store-sqlite watch", () => {
  it("migrating a schema-3 database gives each existing session one created change, so a watch from start sees them", async () => {
    const file = dbFile(tempDir());
    const old = new Database(file);
    migrate(old, 3);
    const at = "2026-01-01T00:00:00.000Z";
    const insert = old.prepare(
      "INSERT INTO sessions (id, user_id, channel_id, mode, status, created_at, updated_at, updated_minute, iterations, event_count, record, version) VALUES (?, ?, NULL, '\"m\"', 'active', ?, ?, ?, 0, 0, ?, 1)",
    );
    for (const [id, user] of [
      ["session_old1", '"u1"'],
      ["session_old2", null],
    ] as const) {
      const record = {
        schemaVersion: 2,
        id,
        mode: "m",
        task: "t",
        status: "active",
        createdAt: at,
        updatedAt: at,
      };
      insert.run(
        id,
        user,
        at,
        at,
        at.slice(0, 16),
        JSON.stringify({
          ...record,
          iterations: 0,
          maxIterations: 100,
          context: {},
          version: 1,
          eventCount: 0,
        }),
      );
    }
    old.close();
    const store = createSqliteStore({ filename: file });
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const item of store.watch({ userId: "u1" }, { since: "start", signal: controller.signal })) {
      seen.push(`${item.sessionId}:${item.change.kind}`);
      if (seen.length === 1) await store.commit("session_old1", { events: [{ type: "later" }] });
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(["session_old1:created", "session_old1:committed"]);
    await store.close();
  });

  it("a commit inside the caller's open transaction is not delivered before that transaction commits", async () => {
    const file = dbFile(tempDir());
    const db = new Database(file);
    const store = createSqliteStore({ database: db });
    const { session } = await store.create({ mode: "m", task: "t" });
    const iterator = store.watch(session.id)[Symbol.asyncIterator]();
    const first = iterator.next();
    db.exec("BEGIN");
    await store.commit(session.id, { events: [{ type: "rolled-back" }] });
    await new Promise((resolve) => setTimeout(resolve, 60));
    db.exec("ROLLBACK");
    await store.commit(session.id, { events: [{ type: "kept" }] });
    expect((await first).value?.event).toMatchObject({ seq: 1, type: "kept" });
    await iterator.return?.();
    await store.close();
    const raw = rawDb(file);
    expect((raw.prepare("SELECT count(*) AS n FROM session_changes").get() as { n: number }).n).toBe(2);
    raw.close();
    db.close();
  });
});
