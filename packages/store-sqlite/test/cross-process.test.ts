import { isSessionKitError } from "@sessionkit/core";
import { createSqliteStore, MIGRATIONS, migrate } from "@sessionkit/store-sqlite";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { dbFile, forkFixture, rawDb, tempDir } from "./helpers.js";

// better-sqlite3 is synchronous: two connections in one process never really contend, so every
// case here puts the other writer in a child process.

describe("store-sqlite across processes", () => {
  it("a commit blocked longer than busyTimeoutMs by another process's write lock rejects with ERR_STORE_BUSY and changes nothing", async () => {
    const file = dbFile(tempDir());
    const store = createSqliteStore({ filename: file, busyTimeoutMs: 150 });
    const { session } = await store.create({ mode: "m", task: "t" });
    const holder = await forkFixture("lock-holder");
    await holder.request({ command: "open", file });
    await holder.request({ command: "hold" });
    const error = await store.commit(session.id, { events: [{ type: "x" }] }).catch((e: unknown) => e);
    expect(isSessionKitError(error, "ERR_STORE_BUSY")).toBe(true);
    expect((error as Error).message).toMatch(
      /^\[store-sqlite\] The database \(needed to commit to session "session_[\w-]+"\) stayed locked for 150 ms/,
    );
    expect(((error as Error).cause as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
    await holder.request({ command: "release" });
    expect((await store.get(session.id))?.version).toBe(1);
    const { session: after } = await store.commit(session.id, { events: [{ type: "x" }] });
    expect(after.version).toBe(2);
    await store.close();
  });

  it("a commit waiting on another process's lock succeeds once the lock is released within busyTimeoutMs", async () => {
    const file = dbFile(tempDir());
    const store = createSqliteStore({ filename: file, busyTimeoutMs: 10_000 });
    const { session } = await store.create({ mode: "m", task: "t" });
    const holder = await forkFixture("lock-holder");
    await holder.request({ command: "open", file });
    // A real-time wait is the point of this case: the holder lets go after 300 ms on its own.
    await holder.request({ command: "hold", releaseAfterMs: 300 });
    const { session: after } = await store.commit(session.id, { events: [{ type: "waited" }] });
    expect(after.version).toBe(2);
    expect(await store.readEvents(session.id)).toMatchObject([{ seq: 1, type: "waited" }]);
    await store.close();
  });

  it("two writer processes and this one append to one session at once: every event exactly once, seq contiguous, no raw error", async () => {
    const file = dbFile(tempDir());
    const store = createSqliteStore({ filename: file });
    const writers = await Promise.all([forkFixture("writer"), forkFixture("writer")]);
    await Promise.all(writers.map((writer) => writer.request({ command: "open", file })));
    for (let round = 0; round < 3; round++) {
      const { session } = await store.create({ mode: "m", task: `round ${round}` });
      const count = 300;
      const remote = writers.map((writer, w) =>
        writer.request({ command: "append", id: session.id, count, tag: `child${w}` }),
      );
      const local = { ok: 0, errors: [] as unknown[] };
      const sync = store.sync();
      for (let k = 0; k < count; k++) {
        try {
          sync.commit(session.id, { events: [{ type: "append", data: { tag: "parent", k } }] });
          local.ok += 1;
        } catch (error) {
          local.errors.push(error);
        }
        // Let the children's messages through now and then so they truly overlap with us.
        if (k % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const outcomes = [local, ...(await Promise.all(remote)).map((reply) => reply.outcome as typeof local)];
      for (const outcome of outcomes) expect(outcome.errors).toEqual([]);
      const history = (await store.getWithHistory(session.id))!.history;
      expect(history.length).toBe(3 * count);
      expect(history.map((event) => event.seq)).toEqual(Array.from({ length: 3 * count }, (_, i) => i + 1));
      const seen = new Set(history.map((event) => `${event.data.tag}:${event.data.k}`));
      expect(seen.size).toBe(3 * count);
      for (const tag of ["parent", "child0", "child1"]) {
        const ks = history.filter((event) => event.data.tag === tag).map((event) => event.data.k);
        expect(ks).toEqual(Array.from({ length: count }, (_, k) => k)); // each writer's order is kept
      }
      expect((await store.get(session.id))?.version).toBe(1 + 3 * count);
    }
    await store.close();
  });

  it("a writer killed (SIGKILL) inside an open transaction with half its commit written leaves the old state, and the next writer is not blocked", async () => {
    const file = dbFile(tempDir());
    const store = createSqliteStore({ filename: file, busyTimeoutMs: 5_000 });
    const { session } = await store.create({ mode: "m", task: "t" }, { events: [{ type: "start" }] });
    const before = await store.getWithHistory(session.id);
    const child = await forkFixture("lock-holder");
    await child.request({ command: "open", file });
    await child.request({ command: "tear", id: session.id });
    await child.kill();
    expect(await store.getWithHistory(session.id)).toEqual(before);
    const started = Date.now();
    const { session: next } = await store.commit(session.id, {
      expectedVersion: 1,
      events: [{ type: "after-crash" }],
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(next.version).toBe(2);
    const raw = rawDb(file);
    expect(raw.prepare("SELECT seq FROM events WHERE session_id = ? ORDER BY seq").all(session.id)).toEqual([
      { seq: 1 },
      { seq: 2 },
    ]);
    raw.close();
    await store.close();
  });

  it("a writer killed at arbitrary points of a commit loop leaves every session whole: at or after the last acknowledged version, self-consistent", async () => {
    const file = dbFile(tempDir());
    const store = createSqliteStore({ filename: file });
    for (let round = 0; round < 8; round++) {
      const writer = await forkFixture("writer");
      await writer.request({ command: "open", file });
      const { session } = await store.create({ mode: "m", task: `crash ${round}` });
      await writer.request({ command: "loop", id: session.id, pad: 2048 + (round % 5) * 8192 });
      let acked = 1;
      for (let k = 0; k < round % 4; k++) acked = Number((await writer.next()).progress);
      for (let spin = round % 3; spin > 0; spin--) await new Promise((resolve) => setImmediate(resolve));
      await writer.kill();
      for (const message of writer.drain())
        if (typeof message.progress === "number") acked = Math.max(acked, message.progress);
      const read = (await store.getWithHistory(session.id))!;
      const n = read.version;
      expect(n).toBeGreaterThanOrEqual(acked);
      if (n > 1) {
        expect(read.context).toMatchObject({ n, parts: [n, n, n] });
        expect(read.iterations).toBe(n);
      }
      expect(read.eventCount).toBe((n - 1) * 2);
      expect(read.history.map((event) => [event.seq, event.data.n])).toEqual(
        Array.from({ length: read.eventCount }, (_, i) => [i + 1, Math.floor(i / 2) + 2]),
      );
      const { session: next } = await store.commit(session.id, {
        expectedVersion: n,
        events: [{ type: "after-crash" }],
      });
      expect(next.version).toBe(n + 1);
    }
    expect((await store.list({ limit: 100 })).corrupt).toEqual([]);
    await store.close();
  });

  it("opening an old-schema database while another process holds the write lock fails with ERR_STORE_BUSY after busyTimeoutMs, and succeeds later", async () => {
    const file = dbFile(tempDir());
    const old = new Database(file);
    old.pragma("journal_mode = WAL");
    migrate(old, 1);
    old.close();
    const holder = await forkFixture("lock-holder");
    await holder.request({ command: "open", file });
    await holder.request({ command: "hold" });
    let error: unknown;
    try {
      createSqliteStore({ filename: file, busyTimeoutMs: 100 });
    } catch (caught) {
      error = caught;
    }
    expect(isSessionKitError(error, "ERR_STORE_BUSY")).toBe(true);
    await holder.request({ command: "release" });
    const store = createSqliteStore({ filename: file, busyTimeoutMs: 100 });
    expect(await store.count()).toBe(0);
    await store.close();
  });

  it("several processes opening an old-schema database at once migrate it exactly once", async () => {
    const file = dbFile(tempDir());
    const old = new Database(file);
    old.pragma("journal_mode = WAL");
    migrate(old, 1);
    old.close();
    const writers = await Promise.all([forkFixture("writer"), forkFixture("writer"), forkFixture("writer")]);
    const replies = await Promise.all(writers.map((writer) => writer.request({ command: "open", file })));
    expect(replies.map((reply) => reply.ok)).toEqual(["open", "open", "open"]);
    const raw = rawDb(file);
    expect(raw.prepare("SELECT version FROM sessionkit_migrations ORDER BY version").all()).toEqual(
      MIGRATIONS.map(({ version }) => ({ version })),
    );
    raw.close();
  });
});
