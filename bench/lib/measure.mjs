// Timing helpers: warm-up + counted rounds, per-op wall time from process.hrtime.bigint(), median of rounds.

import { spawnSync } from "node:child_process";
import v8 from "node:v8";
import vm from "node:vm";

v8.setFlagsFromString("--expose-gc");
/** A full garbage collection, so one contender's garbage is not collected in another's timed loop. */
const collectGarbage = vm.runInNewContext("gc");

/** Flushes dirty pages of every filesystem (sync(1)); a no-op where there is no `sync` binary. */
export function flushDisk() {
  spawnSync("sync", { stdio: "ignore" });
}

export const now = () => process.hrtime.bigint();
export const usSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e3;

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summarise(perOp, ops) {
  return { us: median(perOp), min: Math.min(...perOp), max: Math.max(...perOp), rounds: perOp.length, ops };
}

/** Runs `fn(i, ctx)` `ops` times per round; `setup(round)` (untimed) builds ctx. Returns µs per op. */
export function measureSync({ ops, rounds, warmup = 1, setup, teardown, fn }) {
  const perOp = [];
  for (let r = 0; r < warmup + rounds; r++) {
    const ctx = setup ? setup(r) : undefined;
    const t0 = now();
    for (let i = 0; i < ops; i++) fn(i, ctx);
    const us = usSince(t0);
    if (teardown) teardown(ctx);
    if (r >= warmup) perOp.push(us / ops);
  }
  return summarise(perOp, ops);
}

/** Same as measureSync, awaiting each op in turn (no overlap). */
export async function measureAsync({ ops, rounds, warmup = 1, setup, teardown, fn }) {
  const perOp = [];
  for (let r = 0; r < warmup + rounds; r++) {
    const ctx = setup ? await setup(r) : undefined;
    const t0 = now();
    for (let i = 0; i < ops; i++) await fn(i, ctx);
    const us = usSince(t0);
    if (teardown) await teardown(ctx);
    if (r >= warmup) perOp.push(us / ops);
  }
  return summarise(perOp, ops);
}

/** Formats microseconds with 3 significant digits, switching to ms / s for large values. */
export function fmtUs(us) {
  if (us === undefined || us === null || Number.isNaN(us)) return "–";
  if (us >= 1e6) return `${(us / 1e6).toPrecision(3)} s`;
  if (us >= 1e4) return `${(us / 1e3).toPrecision(3)} ms`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(2)} ms`;
  if (us >= 100) return `${us.toFixed(0)} µs`;
  if (us >= 10) return `${us.toFixed(1)} µs`;
  return `${us.toFixed(2)} µs`;
}

export function fmtRatio(x) {
  if (x === undefined || x === null || Number.isNaN(x)) return "–";
  if (x >= 100) return `${x.toFixed(0)}×`;
  if (x >= 10) return `${x.toFixed(1)}×`;
  return `${x.toFixed(2)}×`;
}

export function fmtBytes(b) {
  if (b >= 1 << 20) return `${(b / (1 << 20)).toFixed(1)} MiB`;
  if (b >= 1 << 10) return `${(b / (1 << 10)).toFixed(1)} KiB`;
  return `${b} B`;
}

/**
 * Measures several contenders in alternation: every round runs each contender once (the order
 * rotates from round to round), so load that drifts during the run hits all of them alike and
 * their ratios stay comparable. A contender is { key, ops, sync?, setup?(r), teardown?(ctx), fn(i, ctx) }
 * (sync: fn returns a value; otherwise each call is awaited). `flush` runs sync(1) before each timed
 * loop. Returns { [key]: summary }.
 */
export async function measureInterleaved(contenders, { rounds, warmup = 1, flush = false }) {
  const perOp = new Map(contenders.map((c) => [c.key, []]));
  // This process's CPU time per op too (user + system): under load it varies far less than wall time.
  const cpuPerOp = new Map(contenders.map((c) => [c.key, []]));
  for (let r = 0; r < warmup + rounds; r++) {
    const shift = r % contenders.length;
    const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
    for (const c of order) {
      const ctx = c.setup ? await c.setup(r) : undefined;
      // Writeback of what setup (or the previous contender) wrote must not land in this timed loop.
      if (flush) flushDisk();
      collectGarbage();
      const { ops, fn } = c;
      let us;
      const cpu0 = process.cpuUsage();
      if (c.sync) {
        const t0 = now();
        for (let i = 0; i < ops; i++) fn(i, ctx);
        us = usSince(t0);
      } else {
        const t0 = now();
        for (let i = 0; i < ops; i++) await fn(i, ctx);
        us = usSince(t0);
      }
      const cpu = process.cpuUsage(cpu0);
      if (c.teardown) await c.teardown(ctx);
      if (r >= warmup) {
        perOp.get(c.key).push(us / ops);
        cpuPerOp.get(c.key).push((cpu.user + cpu.system) / ops);
      }
    }
  }
  const out = {};
  for (const c of contenders) {
    out[c.key] = { ...summarise(perOp.get(c.key), c.ops), cpuUs: median(cpuPerOp.get(c.key)) };
  }
  return out;
}

/**
 * The A/B loop of the bench/profile probes: every variant `fn(id, i)` runs `ops` times per round on
 * a session `setup(key)` makes (untimed; `teardown(key, ctx)` after), interleaved as in
 * measureInterleaved. `only` (a key, e.g. from ONLY= under --cpu-prof) runs just that variant.
 * Returns { [key]: { us, cpuUs, … } } and, when both `base` and `cost` ran, their CPU and wall ratios.
 */
export async function timeRounds({ variants, ops, rounds, setup, teardown, only, base, cost }) {
  const keys = only ? [only] : Object.keys(variants);
  const contenders = keys.map((key) => ({
    key,
    ops,
    sync: true,
    setup: () => setup(key),
    teardown: teardown ? (ctx) => teardown(key, ctx) : undefined,
    fn: (i, ctx) => variants[key](ctx, i),
  }));
  const out = await measureInterleaved(contenders, { rounds });
  if (base && cost && out[base] && out[cost]) {
    out.cpuRatio = out[cost].cpuUs / out[base].cpuUs;
    out.wallRatio = out[cost].us / out[base].us;
  }
  return out;
}
