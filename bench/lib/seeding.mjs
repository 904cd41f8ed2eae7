// Filling a store with many sessions (untimed), by each adapter's fastest honest path through its
// public import API (never by writing its tables or files directly), and the data sets that several
// workloads share (query, cli, ui), seeded once per run.
//
// Fast paths (measured on this machine under load ~8, CPU-bound everywhere; seeding CPU time per
// session is what an idle run pays):
// - SQLite: `importSession` on the sync face inside the caller's transaction (a `database` we opened,
//   `db.transaction` per 1,000 sessions; the store writes in a savepoint, see its README): 10,000
//   sessions 9.3 s → 2.9 s wall (3.4 → 2.2 s CPU), i.e. one WAL commit per batch, not per session.
// - PostgreSQL: `importSession`, 16 in flight, over a pool whose connections run with
//   `synchronous_commit = off` (the rows written are the same; only the wait for each WAL flush of
//   untimed setup is skipped): 5,000 sessions 12.9 s → 6.5 s.
// - fs: the sync face with `durability: "none"` (the on-disk format does not depend on durability).
// - Redis: `importSession`, 32 in flight (5,000 sessions in 2.0 s at 16).
import { createRequire } from "node:module";
import { destroySpec, loadAdapter, makeSpec, openStore } from "./adapters.mjs";
import { makeSession, sessionId } from "./data.mjs";
import { now, usSince } from "./measure.mjs";

const require = createRequire(import.meta.url);
const SQLITE_BATCH = 1000;
const IN_FLIGHT = { postgres: 16, redis: 32 };

async function openForSeeding(spec) {
  if (spec.adapter === "fs")
    return { store: await openStore({ ...spec, options: { ...spec.options, durability: "none" } }) };
  const a = await loadAdapter(spec.adapter);
  if (!a.ok) throw new Error(a.reason);
  if (spec.adapter === "sqlite") {
    const Database = require("better-sqlite3");
    const db = new Database(spec.filename);
    return { store: a.factory({ database: db, ...spec.options }), db, done: () => db.close() };
  }
  if (spec.adapter === "postgres") {
    const pg = require("pg");
    const pool = new pg.Pool({
      connectionString: spec.connectionString,
      max: IN_FLIGHT.postgres,
      options: "-c synchronous_commit=off",
    });
    const store = a.factory({ pool }, { schema: spec.schema, ...spec.options });
    return { store, done: () => pool.end() };
  }
  return { store: await openStore(spec) };
}

async function importAll(opened, adapter, count, make) {
  const { store, db } = opened;
  if (db) {
    const face = store.sync();
    const batch = db.transaction((from, to) => {
      for (let i = from; i < to; i++) {
        const { session, events } = make(i);
        face.importSession(session, events);
      }
    });
    for (let i = 0; i < count; i += SQLITE_BATCH) batch(i, Math.min(count, i + SQLITE_BATCH));
  } else if (store.capabilities.sync) {
    const face = store.sync();
    for (let i = 0; i < count; i++) {
      const { session, events } = make(i);
      face.importSession(session, events);
    }
  } else {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const { session, events } = make(next++);
        await store.importSession(session, events);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT[adapter] ?? 16 }, worker));
  }
}

/**
 * Imports `count` sessions built by `make(i)` → {session, events} into the storage of `spec`.
 * Returns the open store when the storage lives only in memory, else closes it and returns null.
 */
export async function seedStore(spec, count, make) {
  const opened = await openForSeeding(spec);
  try {
    await importAll(opened, spec.adapter, count, make);
  } catch (error) {
    await opened.store.close();
    await opened.done?.();
    throw error;
  }
  if (spec.adapter === "memory") return opened.store;
  await opened.store.close();
  await opened.done?.();
  return null;
}

/** Session i of the shared data sets: 3 events, the generator's users, statuses and dates (data.mjs). */
export const SHARED_TAG = "q";
export const SHARED_EVENTS = 3;
export const sharedSession = (i) => makeSession(sessionId(SHARED_TAG, i), i, SHARED_EVENTS);

/**
 * The shared data set of `subject`'s adapter at `total` sessions, seeded on first use and kept until
 * `releaseDataSets` (end of the run). Returns `{ spec, store }`: `spec` names the storage (opened
 * with the subject's own options); `store` is an open store only for memory, which lives in one
 * process and is therefore seeded afresh for each caller (it is the caller's to close). A workload
 * that adds to a shared data set must remove what it added: on reuse the session count is checked.
 */
export async function sharedDataSet(ctx, subject, total) {
  if (subject.adapter === "memory") {
    const spec = { adapter: "memory", options: subject.options };
    return { spec, store: await seedStore(spec, total, sharedSession) };
  }
  ctx.dataSets ??= new Map();
  const key = `${subject.adapter}@${total}`;
  let entry = ctx.dataSets.get(key);
  if (!entry) {
    const spec = makeSpec(subject.adapter, ctx.runDir, `shared_${subject.adapter}_${total}`, {});
    const t0 = now();
    await seedStore(spec, total, sharedSession);
    entry = { spec, total, seededS: usSince(t0) / 1e6 };
    ctx.dataSets.set(key, entry);
    ctx.log(`seeded the shared ${key} data set in ${entry.seededS.toFixed(1)} s`);
  } else {
    const store = await openStore(entry.spec);
    const count = await store.count().finally(() => store.close());
    if (count !== total)
      throw new Error(`shared ${key} data set holds ${count} sessions: a workload left its own in it`);
  }
  return { spec: { ...entry.spec, options: subject.options }, store: null };
}

/** Seeding seconds per shared data set (for the report), and removal of their storage. */
export function dataSetTimes(ctx) {
  return [...(ctx.dataSets ?? new Map())].map(([key, e]) => [key, e.seededS]);
}

export async function releaseDataSets(ctx) {
  for (const entry of ctx.dataSets?.values() ?? []) await destroySpec(entry.spec, ctx.pgAdmin);
}
