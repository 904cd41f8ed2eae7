// Workloads "append one event at history n" and "read a session without / with its history".
// Each round appends `ops` events round-robin over k sessions that start at n events, so a session
// grows by only ops/k events during a round (history stays ≈ n for every subject, the seed included).
// All subjects of one n are measured in alternation (measureInterleaved), so their ratios are fair.
import fs from "node:fs";
import path from "node:path";
import { createSeedBaseline } from "../baseline-seed.mjs";
import { destroySpec, makeSpec, openStore, REDIS_URL } from "./adapters.mjs";
import { eventData, makeSession, sessionId, toSeedShape } from "./data.mjs";
import { measureInterleaved } from "./measure.mjs";
import {
  checkpointSqliteFile,
  createBareMemory,
  createBarePg,
  createBareSqlite,
  createLockedAppend,
} from "./primitives.mjs";
import { openPeerThread } from "./w-peer.mjs";
import { openPgPeerThread } from "./w-peer-pg.mjs";

/**
 * Per history size n: k sessions per round, `seedOps` appends for the seed algorithm (10 per session)
 * and `ops` for every other subject (≤ 2% growth per session at n ≥ 1000, so cheap subjects get
 * enough appends per round for a stable mean). `rounds` (default ctx.rounds, 5): 3 at n ≥ 1000, where
 * each round's untimed import of fresh sessions at that history is most of the workload's time (the
 * 46-minute loaded run spent 742 s here).
 */
export function appendPlan(quick) {
  return quick
    ? [
        { n: 10, k: 4, seedOps: 40, ops: 40 },
        { n: 100, k: 4, seedOps: 40, ops: 40 },
      ]
    : [
        { n: 10, k: 30, seedOps: 300, ops: 300 },
        { n: 100, k: 30, seedOps: 300, ops: 300 },
        { n: 1000, k: 15, seedOps: 150, ops: 300, rounds: 3 },
        { n: 5000, k: 6, seedOps: 60, ops: 600, rounds: 3 },
      ];
}

/** LangGraph puts per round at history n (each costs O(n)). */
const peerOps = (n, quick) => (quick ? 20 : n <= 100 ? 100 : n <= 1000 ? 30 : 10);

function seedSessions(seed, tag, k, n) {
  fs.rmSync(seed.dir, { recursive: true, force: true });
  const ids = [];
  for (let j = 0; j < k; j++) {
    const id = sessionId(tag, j);
    const { session, events } = makeSession(id, j, n);
    seed.importSession(JSON.stringify(toSeedShape(session, events)));
    ids.push(id);
  }
  return ids;
}

/** Imports k fresh sessions at history n through a face (sync values and promises both work). */
async function importSessions(face, tag, k, n) {
  const ids = [];
  for (let j = 0; j < k; j++) {
    const id = sessionId(tag, j);
    const { session, events } = makeSession(id, j, n, { status: "active" });
    await face.importSession(session, events);
    ids.push(id);
  }
  return ids;
}

async function deleteSessions(face, ids) {
  for (const id of ids) await face.delete(id);
}

/** Opens one store per subject; returns them with a closer. */
async function openSubjects(ctx, tag) {
  const open = [];
  for (const subject of ctx.subjects) {
    const spec = makeSpec(subject.adapter, ctx.runDir, `${tag}_${subject.id}`, subject.options);
    open.push({ subject, spec, store: await openStore(spec) });
  }
  return {
    open,
    async close() {
      for (const { store, spec } of open) {
        await store.close();
        await destroySpec(spec, ctx.pgAdmin);
      }
    },
  };
}

export async function runAppend(ctx) {
  const { warmup } = ctx;
  for (const { n, k, seedOps, ops, rounds = ctx.rounds } of appendPlan(ctx.quick)) {
    const datas = Array.from({ length: ops }, (_, i) => eventData(n + i));
    const event = (i) => ({ events: [{ type: "tool_call", data: datas[i] }] });
    ctx.log(
      `append @${n}: ${ops} appends per round (seed: ${seedOps}) over ${k} sessions, subjects interleaved`,
    );
    const contenders = [];
    const closers = [];

    // The seed's algorithm: read the whole session.json, push, rewrite it pretty-printed.
    const seed = createSeedBaseline(path.join(ctx.runDir, `seed-append-${n}`));
    closers.push(() => fs.rmSync(seed.dir, { recursive: true, force: true }));
    contenders.push({
      key: `append.seed@${n}`,
      ops: seedOps,
      sync: true,
      setup: (r) => seedSessions(seed, `sa${n}r${r}`, k, n),
      fn: (i, ids) => seed.addEvent(ids[i % k], "tool_call", datas[i]),
    });

    if (ctx.has("fs")) {
      for (const [key, fsync, lock] of [
        ["lock", false, true],
        ["lock-fsync", true, true],
        ["bare-fsync", true, false],
      ]) {
        const prim = createLockedAppend(path.join(ctx.runDir, `prim-${key}-${n}`), {
          fsync,
          lock,
          lockOptions: { realpath: false },
        });
        closers.push(() => prim.close());
        contenders.push({
          key: `append.prim.${key}@${n}`,
          ops,
          sync: true,
          setup: () => prim.reset(k, n),
          fn: (i) => prim.appendSync(i % k, datas[i]),
        });
        contenders.push({
          key: `append.prim.${key}.async@${n}`,
          ops,
          setup: () => prim.reset(k, n),
          fn: (i) => prim.appendAsync(i % k, datas[i]),
        });
      }
    }
    if (ctx.has("memory")) {
      const prim = createBareMemory();
      contenders.push({
        key: `append.prim.memory@${n}`,
        ops,
        sync: true,
        setup: () => prim.reset(k, n),
        fn: (i) => prim.appendSync(i % k, datas[i]),
      });
    }
    if (ctx.has("sqlite")) {
      const prim = createBareSqlite(path.join(ctx.runDir, `prim-sqlite-${n}.db`), { synchronous: "NORMAL" });
      closers.push(() => prim.close());
      contenders.push({
        key: `append.prim.sqlite@${n}`,
        ops,
        sync: true,
        setup: () => prim.reset(k, n),
        fn: (i) => prim.appendSync(i % k, datas[i]),
      });
    }
    if (ctx.has("postgres")) {
      const prim = await createBarePg(ctx.pgUrl, `skbench_${process.pid}_bare_${n}`);
      closers.push(() => prim.close());
      contenders.push({
        key: `append.prim.pg@${n}`,
        ops,
        setup: () => prim.reset(k, n),
        fn: (i) => prim.appendAsync(i % k, datas[i]),
      });
    }
    if (ctx.has("redis")) {
      // The raw Redis primitive: one bare RPUSH of the event JSON per append (no script, no index).
      const { openRedisClient } = await import("@sessionkit/store-redis");
      const client = openRedisClient(REDIS_URL);
      const listKey = (i) => `skbench_${process.pid}_bare_${n}:${i}`;
      closers.push(async () => {
        for (let i = 0; i < k; i++) await client.del(listKey(i));
        client.disconnect();
      });
      contenders.push({
        key: `append.prim.redis@${n}`,
        ops,
        setup: async () => {
          for (let i = 0; i < k; i++) await client.del(listKey(i));
        },
        fn: (i) => client.rpush(listKey(i % k), JSON.stringify(datas[i])),
      });
    }
    if (ctx.peer) {
      const thread = await openPeerThread(ctx.peer, path.join(ctx.runDir, `langgraph-${n}.db`), n);
      ctx.peerSynchronous = thread.synchronous;
      closers.push(async () => {
        await thread.check();
        thread.close();
      });
      const pOps = peerOps(n, ctx.quick);
      contenders.push({
        key: `peer.put@${n}`,
        ops: pOps,
        setup: () => thread.prepare(pOps),
        fn: (i, steps) => thread.put(steps[i]),
      });
    }

    if (ctx.peerPg) {
      const schema = `skbench_${process.pid}_lgpg_${n}`;
      const thread = await openPgPeerThread(ctx.peerPg, ctx.pgUrl, schema, n, ctx.pgAdmin);
      closers.push(async () => {
        await thread.check();
        await thread.close();
      });
      const pOps = peerOps(n, ctx.quick);
      contenders.push({
        key: `peerpg.put@${n}`,
        ops: pOps,
        setup: () => thread.prepare(pOps),
        fn: (i, steps) => thread.put(steps[i]),
      });
    }

    const stores = await openSubjects(ctx, `append${n}`);
    closers.push(() => stores.close());
    for (const { subject, store, spec } of stores.open) {
      // SQLite: the imported history is checkpointed out of the WAL before timing, as for the bare INSERT.
      const settle = (ids) => {
        if (spec.adapter === "sqlite") checkpointSqliteFile(spec.filename);
        return ids;
      };
      if (store.capabilities.sync) {
        const face = store.sync();
        contenders.push({
          key: `append.${subject.id}.sync@${n}`,
          ops,
          sync: true,
          setup: async (r) => settle(await importSessions(face, `as${n}r${r}`, k, n)),
          teardown: (ids) => deleteSessions(face, ids),
          fn: (i, ids) => face.commit(ids[i % k], event(i)),
        });
      }
      contenders.push({
        key: `append.${subject.id}.async@${n}`,
        ops,
        setup: async (r) => settle(await importSessions(store, `aa${n}r${r}`, k, n)),
        teardown: (ids) => deleteSessions(store, ids),
        fn: (i, ids) => store.commit(ids[i % k], event(i)),
      });
    }

    try {
      const results = await measureInterleaved(contenders, { rounds, warmup, flush: true });
      for (const [key, value] of Object.entries(results)) ctx.fig(key, value);
    } finally {
      for (const close of closers.reverse()) await close();
    }
  }
  await runCommitCost(ctx);
}

/**
 * Core's own per-commit cost (the memory-commit target): the memory store's sync commit in long rounds
 * (5,000 commits over 10 sessions at the reference history), beside the bare in-memory append. The
 * append rounds above time 300 commits at 1,000 events, ~3 ms for this store, where one major GC of
 * the bench's heap lands as 10–30 µs per commit (2026-12-04 run: 37.8 µs sync vs 9.4 µs async).
 */
export function commitCostPlan(quick) {
  return quick ? { n: 100, k: 4, ops: 500, rounds: 3 } : { n: 1000, k: 10, ops: 5000, rounds: 5 };
}

async function runCommitCost(ctx) {
  if (!ctx.has("memory")) return;
  const { n, k, ops, rounds } = commitCostPlan(ctx.quick);
  ctx.log(`commit cost @${n}: ${ops} memory-store commits per round over ${k} sessions, ${rounds} rounds`);
  const datas = Array.from({ length: ops }, (_, i) => eventData(n + i));
  const prim = createBareMemory();
  const spec = makeSpec("memory", ctx.runDir, "commitcost", {});
  const store = await openStore(spec);
  const face = store.sync();
  try {
    const results = await measureInterleaved(
      [
        {
          key: `commit.prim.memory@${n}`,
          ops,
          sync: true,
          setup: () => prim.reset(k, n),
          fn: (i) => prim.appendSync(i % k, datas[i]),
        },
        {
          key: `commit.memory@${n}`,
          ops,
          sync: true,
          setup: (r) => importSessions(face, `cc${n}r${r}`, k, n),
          teardown: (ids) => deleteSessions(face, ids),
          fn: (i, ids) => face.commit(ids[i % k], { events: [{ type: "tool_call", data: datas[i] }] }),
        },
      ],
      { rounds, warmup: ctx.warmup },
    );
    for (const [key, value] of Object.entries(results)) ctx.fig(key, value);
  } finally {
    await store.close();
  }
}

export function readPlan(quick) {
  return quick ? [10, 100] : [10, 1000];
}

export async function runRead(ctx) {
  const { rounds, warmup } = ctx;
  const k = 10;
  for (const n of readPlan(ctx.quick)) {
    const getOps = ctx.quick ? 100 : 1000;
    const histOps = ctx.quick ? 50 : n <= 100 ? 500 : 100;
    ctx.log(
      `read @${n}: get ×${getOps}, getWithHistory ×${histOps} per round over ${k} sessions, interleaved`,
    );
    const contenders = [];
    const closers = [];
    const seed = createSeedBaseline(path.join(ctx.runDir, `seed-read-${n}`));
    const seedIds = seedSessions(seed, `sr${n}`, k, n);
    closers.push(() => fs.rmSync(seed.dir, { recursive: true, force: true }));
    contenders.push({
      key: `read.seed@${n}`,
      ops: histOps,
      sync: true,
      fn: (i) => seed.getSession(seedIds[i % k]),
    });
    if (ctx.peer) {
      const thread = await openPeerThread(ctx.peer, path.join(ctx.runDir, `langgraph-read-${n}.db`), n);
      closers.push(() => thread.close());
      contenders.push({ key: `peer.get@${n}`, ops: histOps, fn: () => thread.latest() });
    }
    const stores = await openSubjects(ctx, `read${n}`);
    closers.push(() => stores.close());
    try {
      for (const { subject, store } of stores.open) {
        const ids = await importSessions(store, `rd${n}`, k, n);
        const check = await store.getWithHistory(ids[0]);
        if (check?.history.length !== n)
          throw new Error(`${subject.id}: expected ${n} events, got ${check?.history.length}`);
        if (store.capabilities.sync) {
          const face = store.sync();
          contenders.push({
            key: `get.${subject.id}.sync@${n}`,
            ops: getOps,
            sync: true,
            fn: (i) => face.get(ids[i % k]),
          });
          contenders.push({
            key: `hist.${subject.id}.sync@${n}`,
            ops: histOps,
            sync: true,
            fn: (i) => face.getWithHistory(ids[i % k]),
          });
        }
        contenders.push({
          key: `get.${subject.id}.async@${n}`,
          ops: getOps,
          fn: (i) => store.get(ids[i % k]),
        });
        contenders.push({
          key: `hist.${subject.id}.async@${n}`,
          ops: histOps,
          fn: (i) => store.getWithHistory(ids[i % k]),
        });
      }
      const results = await measureInterleaved(contenders, { rounds, warmup });
      for (const [key, value] of Object.entries(results)) ctx.fig(key, value);
    } finally {
      for (const close of closers.reverse()) await close();
    }
  }
}
