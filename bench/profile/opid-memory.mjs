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
const core = await import(process.env.CORE ?? "@sessionkit/core");
const ops = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 12);
const store = core.createMemoryStore();
const manager = core.createSessionManager({ store });
const face = manager.sync();
let n = 0;
const variants = {
  plain: (id, i) => face.addEvent(id, "step", { i }),
  opid: (id, i) => face.addEvent(id, "step", { i }, { operationId: `op-${n++}` }),
};
const cpu = { plain: [], opid: [] };
for (let r = 0; r < rounds + 1; r++) {
  for (const key of r % 2 ? ["plain", "opid"] : ["opid", "plain"]) {
    const { id } = face.start({ task: "append", mode: "bench" });
    const t0 = process.cpuUsage();
    for (let i = 0; i < ops; i++) variants[key](id, i);
    const used = process.cpuUsage(t0);
    if (r > 0) cpu[key].push((used.user + used.system) / ops);
    store.sync().delete(id);
  }
}
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(
  JSON.stringify({
    core: process.env.CORE ?? "workspace",
    ops,
    plainUs: med(cpu.plain).toFixed(2),
    opidUs: med(cpu.opid).toFixed(2),
    ratio: (med(cpu.opid) / med(cpu.plain)).toFixed(3),
  }),
);
await manager.close();
await store.close();
