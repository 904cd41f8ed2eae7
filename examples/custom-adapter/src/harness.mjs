// The harness an adapter author writes: about ten lines, plus optional raw hooks.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createJsonFileStore, storeFile } from "./json-file-store.mjs";

/** @type {import("@sessionkit/conformance").ConformanceHarness} */
export const harness = {
  name: "store-json-file",
  create: (ctx) => createJsonFileStore({ dir: ctx.dir, clock: ctx.clock }),
  reopen: (ctx) => createJsonFileStore({ dir: ctx.dir, clock: ctx.clock }),
  childModule: new URL("./child-store.mjs", import.meta.url).href,
  corrupt(ctx, id, kind) {
    const db = JSON.parse(readFileSync(storeFile(ctx.dir), "utf8"));
    const record = db.sessions[id].record;
    db.sessions[id].record = {
      truncate: record.slice(0, Math.floor(record.length / 2)),
      garbage: "\u0000not json{",
      "wrong-type": JSON.stringify({ ...JSON.parse(record), version: "seven" }),
      "future-version": JSON.stringify({ ...JSON.parse(record), schemaVersion: 99 }),
    }[kind];
    writeFileSync(storeFile(ctx.dir), JSON.stringify(db));
  },
  inspect(ctx) {
    const db = JSON.parse(readFileSync(storeFile(ctx.dir), "utf8"));
    return [
      ...readdirSync(ctx.dir).map((name) => `file:${name}`),
      ...Object.keys(db.sessions).map((id) => `session:${id}`),
    ];
  },
  plantDebris(ctx, id) {
    writeFileSync(`${storeFile(ctx.dir)}.4242.${id}.tmp`, '{"format":"half-written');
  },
};
