import { statSync } from "node:fs";
import { join } from "node:path";
import type { SessionStore } from "@sessionkit/core";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { dbFile, rawDb, tempDir } from "./helpers.js";

// An append plans from the row its handle last wrote and writes with one guarded UPDATE; these
// check that whatever else changed the row in between is never planned over.

const append = (i: number) => ({ events: [{ type: "tool_call", data: { i } }] });

const stores: SessionStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
/** The sync face of a store on `file` (or on a database handed in), closed after the test. */
function open(options: Parameters<typeof createSqliteStore>[0]) {
  const store = createSqliteStore(options);
  stores.push(store);
  return store.sync();
}

describe("store-sqlite append path", () => {
  it("an append after another handle's patch keeps that patch and numbers after its events", () => {
    const file = dbFile(tempDir());
    const a = open({ filename: file });
    const b = open({ filename: file });
    const { session } = a.create({ mode: "m", task: "first" });
    for (let i = 0; i < 3; i++) a.commit(session.id, append(i));
    b.commit(session.id, { patch: { task: "second", context: { k: 1 } }, events: [{ type: "b" }] });
    const after = a.commit(session.id, append(3));
    expect(after.session).toMatchObject({ task: "second", context: { k: 1 }, version: 6, eventCount: 5 });
    expect(after.events.map((e) => e.seq)).toEqual([5]);
    expect(b.getWithHistory(session.id)).toEqual({ ...after.session, history: expect.any(Array) });
    expect(b.getWithHistory(session.id)?.history.map((e) => e.type)).toEqual([
      "tool_call",
      "tool_call",
      "tool_call",
      "b",
      "tool_call",
    ]);
  });

  it("a session deleted and imported again with the same counters but another record is not planned over", () => {
    const file = dbFile(tempDir());
    const a = open({ filename: file });
    const b = open({ filename: file });
    const { session } = a.create({ mode: "m", task: "original" });
    const { session: known } = a.commit(session.id, append(0));
    const history = b.getWithHistory(session.id)?.history ?? [];
    b.delete(session.id);
    // Same version, event count, updatedAt, status and iterations: only the record differs.
    b.importSession({ ...known, task: "imported", metadata: { tag: "x" } }, history);
    const { session: next } = a.commit(session.id, { patch: { iterations: 1 } });
    expect(next).toMatchObject({ task: "imported", metadata: { tag: "x" }, version: known.version + 1 });
    const raw = rawDb(file);
    const row = raw.prepare("SELECT record FROM sessions WHERE id = ?").get(session.id) as { record: string };
    raw.close();
    expect(JSON.parse(row.record)).toMatchObject({ task: "imported" });
    expect(a.list({ metadata: { tag: "x" } }).items.map((s) => s.id)).toEqual([session.id]);
  });

  it("a refused plan from a stale row is decided again on the fresh one", () => {
    const file = dbFile(tempDir());
    const a = open({ filename: file });
    const b = open({ filename: file });
    const { session } = a.create({ mode: "m", task: "t" });
    a.commit(session.id, append(0));
    const { session: moved } = b.commit(session.id, append(1));
    // a's last written row is at version 2; expectedVersion names the real one, 3.
    const done = a.commit(session.id, { expectedVersion: moved.version, ...append(2) });
    expect(done.session.version).toBe(moved.version + 1);
    expect(() => a.commit(session.id, { expectedVersion: moved.version, ...append(3) })).toThrow(
      expect.objectContaining({ code: "ERR_VERSION_CONFLICT" }),
    );
    expect(b.get(session.id)?.eventCount).toBe(3);
  });

  it("an append rolled back with the caller's transaction leaves the next append correct", async () => {
    const file = dbFile(tempDir());
    const db = rawDb(file);
    const store = open({ database: db });
    const { session } = store.create({ mode: "m", task: "t" });
    store.commit(session.id, append(0));
    db.exec("BEGIN");
    store.commit(session.id, append(1));
    db.exec("ROLLBACK");
    const { session: next, events } = store.commit(session.id, append(2));
    expect(next).toMatchObject({ version: 3, eventCount: 2 });
    expect(events.map((e) => e.seq)).toEqual([2]);
    expect(store.getWithHistory(session.id)?.history.map((e) => e.data)).toEqual([{ i: 0 }, { i: 2 }]);
    await stores.splice(0)[0]?.close();
    db.close();
  });

  it("a store that opened its file checkpoints the WAL every 2,000 pages; a database handed in keeps its own setting", async () => {
    const dir = tempDir();
    const face = open({ filename: dbFile(dir) });
    const { session } = face.create({ mode: "m", task: "t" });
    // About 4 WAL pages per append here: 700 appends pass 2,000 pages. The WAL
    // file is reused from its start after a checkpoint, so its size shows the largest run.
    for (let i = 0; i < 700; i++) face.commit(session.id, append(i));
    const frames = (statSync(`${dbFile(dir)}-wal`).size - 32) / (4096 + 24);
    expect(frames).toBeGreaterThan(1_500);
    const db = rawDb(join(dir, "other.db"));
    db.pragma("wal_autocheckpoint = 123");
    open({ database: db }).create({ mode: "m", task: "t" });
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(123);
    for (const store of stores.splice(0)) await store.close();
    db.close();
  });
});
