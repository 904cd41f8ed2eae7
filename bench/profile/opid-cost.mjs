#!/usr/bin/env node
// CPU µs per manager.sync().addEvent on SQLite with and without an operationId (process.cpuUsage,
// a fresh session per round, `ops` appends per round, rounds interleaved; ONLY=plain|opid runs one,
// e.g. under --cpu-prof). `ops` sets how full the in-record operations map gets (128 ids kept, 8
// results): 300 fills it, 8 shows the floor of the in-record design (the record is rewritten on
// every idempotent commit, where a plain append writes three columns).
// Loaded machine (load 10-15), 2026-12-04: before results were kept (main 98d14eb) 4.47x at 300,
// 1.73x at 8; with results (4ff0c17, 957ac4b) 5.19-6.23x / 2.16-2.19x. The goal is < 1.10x.
//   node bench/profile/opid-cost.mjs [ops=300] [rounds=12]
import { mkdirSync, rmSync } from "node:fs";
import { createSessionManager } from "@sessionkit/core";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import { opidRounds } from "./opid-rounds.mjs";

const ops = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 12);
const file = `/tmp/idem-probe/probe-${process.pid}.db`;
mkdirSync("/tmp/idem-probe", { recursive: true });
const store = await createSqliteStore({ filename: file });
const manager = createSessionManager({ store });
const face = manager.sync();
console.log(JSON.stringify(await opidRounds(face, { ops, rounds })));
await manager.close();
await store.close();
rmSync(file, { force: true });
rmSync(`${file}-wal`, { force: true });
rmSync(`${file}-shm`, { force: true });
