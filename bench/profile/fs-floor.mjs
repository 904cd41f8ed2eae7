#!/usr/bin/env node
// The floor of an fs append, by what it writes: one log line + fdatasync (the bare primitive), the
// same plus one unsynced line to a second file, and the same plus the two lines store-fs writes per
// commit besides its log (index journal, change log) and its two stats. ext4 commits one journal
// transaction per fdatasync, and it carries the metadata (size, blocks) of every file appended since
// the last one, so the unsynced appends to other files lengthen the synced one.
// The store's own commit is measured beside them, interleaved, so the gap that is not syscalls shows.
//   node bench/profile/fs-floor.mjs [--ops N] [--dir DIR]    (best of 6 interleaved rounds, µs per append)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
};
const ops = Number(arg("--ops", 1500));
const dir = fs.mkdtempSync(path.join(arg("--dir", os.tmpdir()), "skfloor-"));
const open = (name) => fs.openSync(path.join(dir, name), "a");
const log = open("events.jsonl");
const journal = open("index.jsonl");
const changes = open("changes.jsonl");
const logs = Array.from({ length: 10 }, (_, i) => open(`s${i}.jsonl`));
let turn = 0;
const line = Buffer.from(`${JSON.stringify({ seq: 1, type: "tool_call", data: { q: "q".repeat(200) } })}\n`);

const variants = {
  "log + fdatasync (bare)": () => {
    fs.writeSync(log, line);
    fs.fdatasyncSync(log);
  },
  "+ 1 unsynced line elsewhere": () => {
    fs.writeSync(log, line);
    fs.writeSync(journal, line);
    fs.fdatasyncSync(log);
  },
  "+ 3 unsynced lines, 2 stats (store-fs's shape)": () => {
    fs.writeSync(journal, line);
    fs.writeSync(log, line);
    fs.fstatSync(log);
    fs.writeSync(journal, line);
    fs.statSync(path.join(dir, "index.jsonl"));
    fs.writeSync(changes, line);
    fs.fdatasyncSync(log);
  },
  "bare, 10 logs round-robin (the bench's layout)": () => {
    const fd = logs[turn++ % logs.length];
    fs.writeSync(fd, line);
    fs.fdatasyncSync(fd);
  },
};
// The store itself, 10 sessions at history 1,000 round-robin (like the bench), default options and with
// its session.json checkpoint (every 32 commits by default) pushed out of the loop.
const { createFsStore } = await import("@sessionkit/store-fs");
const { eventData, makeSession, sessionId } = await import("../lib/data.mjs");
const stores = [];
for (const [name, options] of [
  ["store-fs commit (defaults)", {}],
  ["store-fs commit, checkpointEvery 10,000", { checkpointEvery: 10_000 }],
]) {
  const store = createFsStore({ dir: path.join(dir, name.replace(/\W+/g, "-")), ...options });
  stores.push(store);
  const sync = store.sync();
  const ids = Array.from({ length: 10 }, (_, i) => {
    const { session, events } = makeSession(sessionId("f", i), i, 1000);
    sync.importSession(session, events);
    return session.id;
  });
  const data = eventData(1);
  let i = 0;
  variants[name] = () => sync.commit(ids[i++ % ids.length], { events: [{ type: "tool_call", data }] });
}
const best = Object.fromEntries(Object.keys(variants).map((k) => [k, Infinity]));
for (let round = 0; round < 6; round++) {
  for (const [name, step] of Object.entries(variants)) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) step();
    best[name] = Math.min(best[name], Number(process.hrtime.bigint() - t0) / 1e3 / ops);
  }
}
const bare = best["log + fdatasync (bare)"];
console.log(`fs append floor, best of 6 rounds of ${ops} (load ${os.loadavg()[0].toFixed(1)}):`);
for (const [name, us] of Object.entries(best))
  console.log(`  ${name.padEnd(48)} ${us.toFixed(1).padStart(7)} µs  ${(us / bare).toFixed(2)}×`);
for (const store of stores) await store.close();
fs.rmSync(dir, { recursive: true, force: true });
