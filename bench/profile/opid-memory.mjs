#!/usr/bin/env node
// CPU µs per manager.sync().addEvent on the memory store (the in-record operations map), with and
// without an operationId: the cost of core's own idempotency bookkeeping, no storage under it.
// CORE=<path to a core dist/index.js> runs another build (e.g. an older commit's) for a before/after.
// `ops` appends per round on a fresh session (300 fills the 128-id map and its 8 results).
//   node bench/profile/opid-memory.mjs [ops=300] [rounds=12]
// 2026-12-04, load 12-15, 300 ops, 12 rounds, two runs each: dd4186e (the map copied twice per
// commit, sorted every commit once full) 472-483 µs per idempotent append; one copy and a linear
// trim 346-361 µs (-26 %). Plain appends 34-52 µs in both. What is left is the memory driver's deep
// copy of the record (copyJson, 16 %), the record's size check (JSON.stringify, 7 %) and the copy
// of the 128-entry map (13 %): the in-record design itself (store-sqlite keeps ids apart).
import { opidRounds } from "./opid-rounds.mjs";

const core = await import(process.env.CORE ?? "@sessionkit/core");
const ops = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 12);
const store = core.createMemoryStore();
const manager = core.createSessionManager({ store });
const face = manager.sync();
const figures = await opidRounds(face, {
  ops,
  rounds,
  teardown: (_key, id) => store.sync().delete(id),
});
console.log(JSON.stringify({ core: process.env.CORE ?? "workspace", ...figures }));
await manager.close();
await store.close();
