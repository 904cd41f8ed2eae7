import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createSessionManager } from "@sessionkit/core";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { dbFile, tempDir } from "./helpers.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A webhook receiver on 127.0.0.1 that records the event type of every request. */
async function receiver() {
  const types: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      types.push(JSON.parse(Buffer.concat(chunks).toString("utf8")).event);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, types };
}

function openDatabase() {
  const db = new Database(dbFile(tempDir()));
  const store = createSqliteStore({ database: db });
  cleanups.push(() => db.close());
  cleanups.push(() => store.close());
  return { db, store };
}

const ticks = () => new Promise((resolve) => setTimeout(resolve, 30));

// Issue 14 #5: a commit inside the caller's own transaction is only a commit once that
// transaction commits, so listeners and webhooks wait for it and never hear of a rollback.
describe("store-sqlite inside the caller's transaction", () => {
  it("listeners and webhooks fire after the outer COMMIT and never for a rolled-back commit", async () => {
    const { db, store } = openDatabase();
    const hook = await receiver();
    const manager = createSessionManager({ store, webhooks: { url: hook.url, events: ["*"] } });
    const heard: string[] = [];
    manager.on("rolled-back", () => heard.push("rolled-back"));
    manager.on("kept", () => heard.push("kept"));
    const session = await manager.start({ mode: "m", task: "t" });

    db.exec("BEGIN");
    await manager.addEvent(session.id, "rolled-back");
    await ticks();
    db.exec("ROLLBACK");

    db.exec("BEGIN");
    await manager.addEvent(session.id, "kept");
    await ticks();
    expect(heard, "nothing is heard while the outer transaction is open").toEqual([]);
    db.exec("COMMIT");

    const { undelivered } = await manager.close({ timeoutMs: 5000 });
    expect(undelivered).toEqual([]);
    expect(heard).toEqual(["kept"]);
    expect(hook.types).toEqual(["start", "kept"]);
    expect((await store.readEvents(session.id)).map((event) => event.type)).toEqual(["start", "kept"]);
  });

  it("a commit's `settled` says whether the caller's transaction kept it", async () => {
    const { db, store } = openDatabase();
    const { session } = await store.create({ mode: "m", task: "t" });
    const outside = await store.commit(session.id, { events: [{ type: "a" }] });
    expect(outside.settled, "a commit outside any caller transaction is final").toBeUndefined();

    let rolledBack: Promise<boolean> | undefined;
    expect(() =>
      db.transaction(() => {
        rolledBack = store.sync().commit(session.id, { events: [{ type: "b" }] }).settled;
        throw new Error("the caller changes its mind");
      })(),
    ).toThrow("changes its mind");
    let kept: Promise<boolean> | undefined;
    db.transaction(() => {
      kept = store.sync().commit(session.id, { events: [{ type: "c" }] }).settled;
    })();
    expect(await rolledBack).toBe(false);
    expect(await kept).toBe(true);
    expect((await store.readEvents(session.id)).map((event) => event.type)).toEqual(["a", "c"]);
  });
});
