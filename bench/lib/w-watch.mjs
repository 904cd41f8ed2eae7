// Workload "watch": (1) commit-to-delivery latency across processes: this process commits one
// event at a time (2 ms apart) while a watcher in a child process receives them through
// store.watch(); p50 and p99 of the delay per store. (2) The cost of 200 idle watchers (watching
// other sessions on the same handle) on append latency, interleaved with the same appends without:
// wall time and this process's CPU time per append (the watchers' work runs in this process too).
import { fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { destroySpec, makeSpec, openStore } from "./adapters.mjs";
import { fmtUs, measureInterleaved } from "./measure.mjs";

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "workers", "watch-worker.mjs");
const STORES = ["fs", "sqlite", "postgres"];
/** The memory store has no cross-process latency (it lives in one process), only the idle cost. */
const IDLE_STORES = ["memory", ...STORES];
const wallMs = () => performance.timeOrigin + performance.now();
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)];

async function latency(ctx, subject, events) {
  const spec = makeSpec(subject.adapter, ctx.runDir, `watch_${subject.id}`, subject.options);
  const store = await openStore(spec);
  try {
    const { session } = await store.create({ mode: "bench", task: "watch" });
    const child = fork(WORKER, [JSON.stringify(spec), session.id, String(events)], { stdio: "inherit" });
    const messages = [];
    const waiters = [];
    child.on("message", (m) => (waiters.length ? waiters.shift()(m) : messages.push(m)));
    const nextMessage = () =>
      messages.length ? Promise.resolve(messages.shift()) : new Promise((resolve) => waiters.push(resolve));
    await nextMessage();
    for (let i = 0; i < events; i++) {
      await store.commit(session.id, { events: [{ type: "tick", data: { i, t: wallMs() } }] });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const { delays } = await nextMessage();
    const sorted = [...delays].sort((a, b) => a - b);
    ctx.fig(`watch.lat.${subject.id}.p50`, { us: pct(sorted, 0.5) * 1000, rounds: sorted.length, ops: 1 });
    ctx.fig(`watch.lat.${subject.id}.p99`, { us: pct(sorted, 0.99) * 1000, rounds: sorted.length, ops: 1 });
  } finally {
    await store.close();
    await destroySpec(spec, ctx.pgAdmin);
  }
}

/**
 * Appends per timed loop: each loop lasts 100 ms or more (at 200 a memory loop took 1.6 ms and
 * the ratio was noise: 1.13-4x between runs).
 */
const IDLE_OPS = { memory: 20_000, fs: 300, sqlite: 2_000, postgres: 300 };
/** Yield to the event loop every this many appends, as a server's appends do: timers (backstops, polls) run. */
const YIELD_EVERY = 16;

/**
 * 200 watchers of `others` (round robin) on one handle, each consuming. Resolves once every one
 * received a first change and so waits again: their start-up reads (a head and a page each, 400
 * queries on PostgreSQL) must not land in the timed loop, which 50 ms of sleep did not ensure.
 * A watcher starts "from now" when its head read answers, which can be after a commit made to wake
 * it (a full run hung here once, on PostgreSQL): so the sessions are committed to again, every
 * 50 ms, until each watcher has seen a change.
 */
async function idleWatchers(store, others) {
  const controller = new AbortController();
  const woken = new Set();
  for (let w = 0; w < 200; w++) {
    (async () => {
      for await (const _ of store.watch(others[w % others.length], { signal: controller.signal }))
        woken.add(w);
    })().catch(() => undefined);
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  while (woken.size < 200) {
    for (const id of others) await store.commit(id, { events: [{ type: "first" }] });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return controller;
}

async function idleCost(ctx, subject) {
  const spec = makeSpec(subject.adapter, ctx.runDir, `watchidle_${subject.id}`, subject.options);
  const store = await openStore(spec);
  const ops = ctx.quick ? 50 : (IDLE_OPS[subject.id] ?? 300);
  const append = async (i, id) => {
    await store.commit(id, { events: [{ type: "e", data: { i } }] });
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
  };
  try {
    const others = [];
    for (let k = 0; k < 10; k++)
      others.push((await store.create({ mode: "bench", task: "idle" })).session.id);
    const fresh = async () => (await store.create({ mode: "bench", task: "append" })).session.id;
    const figures = await measureInterleaved(
      [
        { key: "base", ops, setup: fresh, fn: append },
        {
          key: "w200",
          ops,
          setup: async () => ({ controller: await idleWatchers(store, others), id: await fresh() }),
          teardown: (c) => c.controller.abort(),
          fn: (i, c) => append(i, c.id),
        },
      ],
      { rounds: ctx.rounds, warmup: ctx.warmup },
    );
    for (const key of ["base", "w200"]) {
      ctx.fig(`watch.idle.${subject.id}.${key}`, figures[key]);
      ctx.fig(`watch.idle.${subject.id}.${key}.cpu`, { ...figures[key], us: figures[key].cpuUs });
    }
  } finally {
    await store.close();
    await destroySpec(spec, ctx.pgAdmin);
  }
}

export async function runWatch(ctx) {
  const events = ctx.quick ? 100 : 1000;
  for (const id of IDLE_STORES) {
    const subject = ctx.subjects.find((s) => s.id === id);
    if (!subject) continue;
    if (STORES.includes(id)) {
      ctx.log(`watch: commit-to-delivery latency across processes on ${id} (${events} events)`);
      await latency(ctx, subject, events);
    }
    ctx.log(`watch: 200 idle watchers vs none on ${id} appends`);
    await idleCost(ctx, subject);
  }
  ctx.fig("watch.limit.p50", { us: 50_000 });
  ctx.fig("watch.limit.p99", { us: 250_000 });
}

/** Targets: latency p50 < 50 ms and p99 < 250 ms per store; 200 idle watchers cost < 5 % (wall and CPU). */
export function watchTargets() {
  const latency = STORES.flatMap((id) =>
    [
      ["p50", "50 ms"],
      ["p99", "250 ms"],
    ].map(([p, limit]) => ({
      id: `watch-${p}-${id}`,
      label: `${id}: watch delivery across processes, ${p} vs ${limit}`,
      num: `watch.lat.${id}.${p}`,
      den: `watch.limit.${p}`,
      op: "<=",
      target: 1,
    })),
  );
  const idle = IDLE_STORES.flatMap((id) =>
    [
      ["", "wall"],
      [".cpu", "CPU"],
    ].map(([suffix, what]) => ({
      id: `watch-idle-${id}${suffix.replace(".", "-")}`,
      label: `${id}: append with 200 idle watchers vs none (${what})`,
      num: `watch.idle.${id}.w200${suffix}`,
      den: `watch.idle.${id}.base${suffix}`,
      op: "<=",
      target: 1.05,
    })),
  );
  return [...latency, ...idle];
}

/** The workload's table: latency percentiles and the idle-watcher cost, per store. */
export function renderWatch(ctx, table) {
  const F = ctx.figures;
  const us = (key) => (F[key] ? fmtUs(F[key].us) : "–");
  const rows = IDLE_STORES.filter((id) => `watch.idle.${id}.base` in F || `watch.lat.${id}.p50` in F).map(
    (id) => [
      id,
      us(`watch.lat.${id}.p50`),
      us(`watch.lat.${id}.p99`),
      ...["base", "w200", "base.cpu", "w200.cpu"].map((key) => us(`watch.idle.${id}.${key}`)),
    ],
  );
  if (rows.length === 0) return null;
  const head = ["store", "delivery p50", "delivery p99", "append, no watcher", "append, 200 idle watchers"];
  return `### Live change feed (watch): commit-to-delivery across processes, and 200 idle watchers on append (wall, then this process's CPU)\n\n${table([...head, "CPU, no watcher", "CPU, 200 idle watchers"], rows)}`;
}
