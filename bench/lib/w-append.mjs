// Workloads "append one event at history n" and "read a session without / with its history".
// Each round appends `ops` events round-robin over k sessions that start at n events, so a session
// grows by only ops/k events during a round (history stays ≈ n for every subject, the seed included).
import fs from "node:fs";
import path from "node:path";
import { createSeedBaseline } from "../baseline-seed.mjs";
import { destroySpec, makeSpec, openStore } from "./adapters.mjs";
import { eventData, makeSession, sessionId, toSeedShape } from "./data.mjs";
import { measureAsync, measureSync } from "./measure.mjs";
import { createBarePg, createBareSqlite, createLockedAppend } from "./primitives.mjs";

const GROWTH = 10;

export function appendPlan(quick) {
  return quick
    ? [
        { n: 10, ops: 40 },
        { n: 100, ops: 40 },
      ]
    : [
        { n: 10, ops: 300 },
        { n: 100, ops: 300 },
        { n: 1000, ops: 150 },
        { n: 5000, ops: 60 },
      ];
}

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

/** Imports k fresh sessions at history n through the given face; returns their ids. */
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

export async function runAppend(ctx) {
  const { rounds, warmup } = ctx;
  for (const { n, ops } of appendPlan(ctx.quick)) {
    const k = Math.max(1, Math.round(ops / GROWTH));
    const datas = Array.from({ length: ops }, (_, i) => eventData(n + i));
    const event = (i) => ({ events: [{ type: "tool_call", data: datas[i] }] });
    ctx.log(`append @${n}: ${ops} appends per round over ${k} sessions`);

    // The seed's algorithm: read the whole session.json, push, rewrite it pretty-printed.
    const seed = createSeedBaseline(path.join(ctx.runDir, `seed-append-${n}`));
    ctx.fig(
      `append.seed@${n}`,
      measureSync({
        ops,
        rounds,
        warmup,
        setup: (r) => seedSessions(seed, `sa${n}r${r}`, k, n),
        fn: (i, ids) => seed.addEvent(ids[i % k], "tool_call", datas[i]),
      }),
    );
    fs.rmSync(seed.dir, { recursive: true, force: true });

    if (ctx.has("fs")) {
      for (const [key, fsync] of [
        ["lock", false],
        ["lock-fsync", true],
      ]) {
        const prim = createLockedAppend(path.join(ctx.runDir, `prim-${key}-${n}`), {
          fsync,
          lockOptions: { realpath: false },
        });
        ctx.fig(
          `append.prim.${key}@${n}`,
          measureSync({
            ops,
            rounds,
            warmup,
            setup: () => prim.reset(k, n),
            fn: (i) => prim.appendSync(i % k, datas[i]),
          }),
        );
        ctx.fig(
          `append.prim.${key}.async@${n}`,
          await measureAsync({
            ops,
            rounds,
            warmup,
            setup: () => prim.reset(k, n),
            fn: (i) => prim.appendAsync(i % k, datas[i]),
          }),
        );
        prim.close();
      }
    }
    if (ctx.has("sqlite")) {
      const prim = createBareSqlite(path.join(ctx.runDir, `prim-sqlite-${n}.db`), {
        synchronous: ctx.sqliteSynchronous ?? "NORMAL",
      });
      ctx.fig(
        `append.prim.sqlite@${n}`,
        measureSync({
          ops,
          rounds,
          warmup,
          setup: () => prim.reset(k, n),
          fn: (i) => prim.appendSync(i % k, datas[i]),
        }),
      );
      prim.close();
    }
    if (ctx.has("postgres")) {
      const prim = await createBarePg(ctx.pgUrl, `skbench_${process.pid}_bare_${n}`);
      ctx.fig(
        `append.prim.pg@${n}`,
        await measureAsync({
          ops,
          rounds,
          warmup,
          setup: () => prim.reset(k, n),
          fn: (i) => prim.appendAsync(i % k, datas[i]),
        }),
      );
      await prim.close();
    }

    for (const subject of ctx.subjects) {
      const spec = makeSpec(subject.adapter, ctx.runDir, `append_${subject.id}_${n}`, subject.options);
      const store = await openStore(spec);
      try {
        if (store.capabilities.sync) {
          const face = store.sync();
          ctx.fig(
            `append.${subject.id}.sync@${n}`,
            measureSync({
              ops,
              rounds,
              warmup,
              setup: (r) => syncImport(face, `as${n}r${r}`, k, n),
              teardown: (ids) => {
                for (const id of ids) face.delete(id);
              },
              fn: (i, ids) => face.commit(ids[i % k], event(i)),
            }),
          );
        }
        ctx.fig(
          `append.${subject.id}.async@${n}`,
          await measureAsync({
            ops,
            rounds,
            warmup,
            setup: (r) => importSessions(store, `aa${n}r${r}`, k, n),
            teardown: (ids) => deleteSessions(store, ids),
            fn: (i, ids) => store.commit(ids[i % k], event(i)),
          }),
        );
      } finally {
        await store.close();
        await destroySpec(spec, ctx.pgAdmin);
      }
    }
  }
}

function syncImport(face, tag, k, n) {
  const ids = [];
  for (let j = 0; j < k; j++) {
    const id = sessionId(tag, j);
    const { session, events } = makeSession(id, j, n, { status: "active" });
    face.importSession(session, events);
    ids.push(id);
  }
  return ids;
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
    ctx.log(`read @${n}: get ×${getOps}, getWithHistory ×${histOps} per round over ${k} sessions`);
    const seed = createSeedBaseline(path.join(ctx.runDir, `seed-read-${n}`));
    const seedIds = seedSessions(seed, `sr${n}`, k, n);
    ctx.fig(
      `read.seed@${n}`,
      measureSync({ ops: histOps, rounds, warmup, fn: (i) => seed.getSession(seedIds[i % k]) }),
    );
    fs.rmSync(seed.dir, { recursive: true, force: true });

    for (const subject of ctx.subjects) {
      const spec = makeSpec(subject.adapter, ctx.runDir, `read_${subject.id}_${n}`, subject.options);
      const store = await openStore(spec);
      try {
        const ids = await importSessions(store, `rd${n}`, k, n);
        if (store.capabilities.sync) {
          const face = store.sync();
          ctx.fig(
            `get.${subject.id}.sync@${n}`,
            measureSync({ ops: getOps, rounds, warmup, fn: (i) => face.get(ids[i % k]) }),
          );
          ctx.fig(
            `hist.${subject.id}.sync@${n}`,
            measureSync({ ops: histOps, rounds, warmup, fn: (i) => face.getWithHistory(ids[i % k]) }),
          );
        }
        ctx.fig(
          `get.${subject.id}.async@${n}`,
          await measureAsync({ ops: getOps, rounds, warmup, fn: (i) => store.get(ids[i % k]) }),
        );
        ctx.fig(
          `hist.${subject.id}.async@${n}`,
          await measureAsync({ ops: histOps, rounds, warmup, fn: (i) => store.getWithHistory(ids[i % k]) }),
        );
        const check = await store.getWithHistory(ids[0]);
        if (check?.history.length !== n)
          throw new Error(`${subject.id}: expected ${n} events, got ${check?.history.length}`);
      } finally {
        await store.close();
        await destroySpec(spec, ctx.pgAdmin);
      }
    }
  }
}
