import { fileURLToPath } from "node:url";
import { describeConformance } from "@sessionkit/conformance/vitest";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import { corruptRow, dbFile, forkFixture, inspectRows } from "./helpers.js";

describeConformance({
  name: "store-sqlite",
  create: (ctx) => createSqliteStore({ filename: dbFile(ctx.dir), clock: ctx.clock }),
  reopen: (ctx) => createSqliteStore({ filename: dbFile(ctx.dir), clock: ctx.clock }),
  createWithChangeLog: (ctx, maxLength) =>
    createSqliteStore({ filename: dbFile(ctx.dir), clock: ctx.clock, changeLog: { maxLength } }),
  childModule: fileURLToPath(new URL("./fixtures/child-store.mjs", import.meta.url)),
  corrupt: (ctx, id, kind) => corruptRow(dbFile(ctx.dir), id, kind),
  inspect: (ctx) => inspectRows(dbFile(ctx.dir)),
  // A writer SIGKILLed inside an open transaction that half-wrote `id`: uncommitted WAL frames.
  async plantDebris(ctx, id) {
    const writer = await forkFixture("lock-holder");
    await writer.request({ command: "open", file: dbFile(ctx.dir) });
    await writer.request({ command: "tear", id });
    await writer.kill();
  },
});
