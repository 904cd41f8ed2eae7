#!/usr/bin/env node
// CPU and wall µs per async store.commit with 200 idle watchers (on 10 other sessions, same
// handle) and without, rounds interleaved, a fresh session per round; also counts the change-log
// reads each variant costs (the hub's shared read: the part the watchers add per commit).
// ONLY=base|w200 runs one variant, e.g. under `node --cpu-prof`. YIELD=1 yields to the event loop
// after each commit (as a server does), so the wake-up's timers and the hub's backstop run.
//   node bench/profile/watch-idle.mjs <memory|fs|sqlite|postgres> [ops=300] [rounds=10]
import { mkdirSync, rmSync } from "node:fs";
import { destroySpec, makeSpec, openStore } from "../lib/adapters.mjs";

const adapter = process.argv[2] ?? "memory";
const ops = Number(process.argv[3] ?? 300);
const rounds = Number(process.argv[4] ?? 10);
const yieldEach = process.env.YIELD === "1";
const runDir = `/tmp/watch-idle-${process.pid}`;
mkdirSync(runDir, { recursive: true });
const spec = makeSpec(adapter, runDir, `widle_${adapter}`);
const store = await openStore(spec);
const others = [];
for (let k = 0; k < 10; k++) others.push((await store.create({ mode: "bench", task: "idle" })).session.id);

async function watchers() {
  const controller = new AbortController();
  for (let w = 0; w < 200; w++) {
    const it = store.watch(others[w % others.length], { signal: controller.signal })[Symbol.asyncIterator]();
    it.next().catch(() => undefined);
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  return controller;
}

const cpu = { base: [], w200: [] };
const wall = { base: [], w200: [] };
for (let r = 0; r < rounds + 1; r++) {
  for (const key of process.env.ONLY ? [process.env.ONLY] : r % 2 ? ["base", "w200"] : ["w200", "base"]) {
    const controller = key === "w200" ? await watchers() : undefined;
    const { session } = await store.create({ mode: "bench", task: "append" });
    const t0 = process.cpuUsage();
    const w0 = performance.now();
    for (let i = 0; i < ops; i++) {
      await store.commit(session.id, { events: [{ type: "e", data: { i } }] });
      // A server's appends come from I/O callbacks: timers (the backstop, the wake-up polls) run between them.
      if (yieldEach) await new Promise((resolve) => setImmediate(resolve));
    }
    const w = performance.now() - w0;
    const used = process.cpuUsage(t0);
    controller?.abort();
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (r > 0) {
      cpu[key].push((used.user + used.system) / ops);
      wall[key].push((w * 1000) / ops);
    }
  }
}
const med = (v) => (v.length ? [...v].sort((a, b) => a - b)[v.length >> 1] : 0);
const out = { adapter, ops, rounds };
for (const key of ["base", "w200"]) {
  out[`${key}CpuUs`] = med(cpu[key]).toFixed(1);
  out[`${key}WallUs`] = med(wall[key]).toFixed(1);
}
if (cpu.base.length && cpu.w200.length) {
  out.cpuRatio = (med(cpu.w200) / med(cpu.base)).toFixed(3);
  out.wallRatio = (med(wall.w200) / med(wall.base)).toFixed(3);
}
console.log(JSON.stringify(out));
await store.close();
await destroySpec(spec);
rmSync(runDir, { recursive: true, force: true });
