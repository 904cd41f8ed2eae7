import assert from "node:assert/strict";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  type Session,
  type SessionEvent,
  type SessionStore,
} from "@sessionkit/core";
import { expectCode, expectDeepEqual, expectEqual, freshId, input } from "../assertions.js";
import type { CaseDefinition, CaseEnv } from "../case.js";

type Exported = { session: Session; events: SessionEvent[] };

/** Exported records written by a memory store: `events[k]` events for the k-th id. */
async function records(
  env: CaseEnv,
  ids: string[],
  events: number[],
  task = "imported",
): Promise<Exported[]> {
  const source = createMemoryStore({ clock: createManualClock(env.ctx.clock.now()) });
  env.ctx.onCleanup(() => source.close());
  const out: Exported[] = [];
  for (const [k, id] of ids.entries()) {
    const made = Array.from({ length: events[k] ?? 0 }, (_, n) => ({ type: "step", data: { n, id } }));
    await source.create(input({ id, task, userId: `u-${ids[0]}`, metadata: { k } }), { events: made });
    const { history, ...session } = (await source.getWithHistory(id))!;
    out.push({ session, events: history });
  }
  return out;
}

/** The session with its history as the store holds it, or null. */
async function stored(store: SessionStore, id: string): Promise<Exported | null> {
  const full = await store.getWithHistory(id);
  if (full === null) return null;
  const { history, ...session } = full;
  return { session, events: history };
}

/** A session already in the store under test, with a longer history than the records that meet it. */
async function existing(store: SessionStore): Promise<Exported> {
  const id = freshId("imx");
  const events = Array.from({ length: 5 }, (_, n) => ({ type: "old", data: { n } }));
  await store.create(input({ id, task: "already here" }), { events });
  return (await stored(store, id))!;
}

/** A completed session under a legal hold, and the manager that holds it. */
async function heldSession(env: CaseEnv, store: SessionStore) {
  const manager = createSessionManager({ store, clock: env.ctx.clock });
  const { id } = await manager.start({ task: "held", mode: "m" });
  await manager.complete(id, "ok");
  await manager.hold(id, { reason: "litigation", by: "legal" });
  return { manager, held: (await stored(store, id))! };
}

/** SS-IMP: importMany, the bulk import behind the CLI's import and migrate. */
export const importManyCases: CaseDefinition[] = [
  {
    id: "SS-IMP-01",
    group: "SS-IMP",
    title: "importMany restores every record exactly, in order, histories of 0 to 300 events included",
    async run(env) {
      const store = await env.open();
      const ids = [0, 1, 2, 3, 4].map(() => freshId("imp"));
      const batch = await records(env, ids, [0, 1, 300, 2, 17]);
      expectDeepEqual(await store.importMany([]), { imported: [], skipped: [] }, "an empty batch");
      const result = await store.importMany(batch);
      expectDeepEqual(result, { imported: ids, skipped: [] }, "the result names every id, in input order");
      for (const record of batch)
        expectDeepEqual(await stored(store, record.session.id), record, `session ${record.session.id}`);
      const listed = await store.list({ limit: 10, userId: `u-${ids[0]}` });
      const expected = [...batch]
        .sort((x, y) =>
          x.session.createdAt === y.session.createdAt
            ? x.session.id < y.session.id
              ? 1
              : -1
            : x.session.createdAt < y.session.createdAt
              ? 1
              : -1,
        )
        .map((record) => record.session.id);
      expectDeepEqual(
        listed.items.map((s) => s.id),
        expected,
        "the list order of the imported sessions",
      );
    },
  },
  {
    id: "SS-IMP-02",
    group: "SS-IMP",
    title:
      "importMany conflict modes per record: fail stops at the taken id, skip keeps it, overwrite replaces it",
    async run(env) {
      const store = await env.open();
      for (const mode of ["fail", "skip", "overwrite"] as const) {
        const taken = await existing(store);
        const [a, b] = [freshId("ima"), freshId("imb")];
        const batch = await records(env, [a, taken.session.id, b], [2, 1, 3]);
        if (mode === "fail") {
          const error = await expectCode(store.importMany(batch), "ERR_SESSION_EXISTS", "fail on a taken id");
          expectEqual(
            (error as { details?: { index?: number } }).details?.index,
            1,
            "the record it stopped at",
          );
          expectDeepEqual(await stored(store, a), batch[0], "fail: the record before the taken id is in");
          expectEqual(await store.get(b), null, "fail: the record after the taken id is not");
          expectDeepEqual(await stored(store, taken.session.id), taken, "fail: the taken id is untouched");
          continue;
        }
        const result = await store.importMany(batch, { onConflict: mode });
        const after = await stored(store, taken.session.id);
        if (mode === "skip") {
          expectDeepEqual(result, { imported: [a, b], skipped: [taken.session.id] }, "skip: the result");
          expectDeepEqual(after, taken, "skip: the taken id keeps the stored session and its history");
        } else {
          expectDeepEqual(
            result,
            { imported: [a, taken.session.id, b], skipped: [] },
            "overwrite: the result",
          );
          expectDeepEqual(after, batch[1], "overwrite: the taken id holds the record, its old history gone");
        }
        expectDeepEqual(await stored(store, b), batch[2], `${mode}: the record after the taken id`);
      }
      // One id twice in one call: as if imported one after the other.
      for (const mode of ["fail", "skip", "overwrite"] as const) {
        const id = freshId("imd");
        const [first] = await records(env, [id], [3], "first");
        const [second] = await records(env, [id], [1], "second");
        const call = store.importMany([first!, second!], { onConflict: mode });
        if (mode === "fail") await expectCode(call, "ERR_SESSION_EXISTS", "fail: a repeated id");
        else await call;
        expectDeepEqual(
          await stored(store, id),
          mode === "overwrite" ? second : first,
          `${mode}: a repeated id`,
        );
      }
    },
  },
  {
    id: "SS-IMP-03",
    group: "SS-IMP",
    title:
      "importMany with overwrite refuses a held session (ERR_SESSION_HELD) and stops there, hold and history intact",
    async run(env) {
      const store = await env.open();
      const { manager, held } = await heldSession(env, store);
      const started = held.session;
      const [a, b] = [freshId("iha"), freshId("ihb")];
      const batch = await records(env, [a, started.id, b], [1, 2, 1]);
      const error = await expectCode(
        store.importMany(batch, { onConflict: "overwrite" }),
        "ERR_SESSION_HELD",
        "overwrite of a held session",
      );
      expectEqual((error as { details?: { index?: number } }).details?.index, 1, "the record it stopped at");
      const after = (await stored(store, started.id))!;
      assert.ok(after.session.hold !== undefined, "the hold survived");
      expectDeepEqual(after, held, "the held session and its history are untouched");
      expectDeepEqual(await stored(store, a), batch[0], "the record before the held one is in");
      expectEqual(await store.get(b), null, "the record after the held one is not");
      await manager.unhold(started.id, "legal");
    },
  },
  {
    id: "SS-IMP-04",
    group: "SS-IMP",
    title: "importMany is atomic per record: an invalid record stops the batch with nothing of it written",
    async run(env) {
      const store = await env.open();
      const taken = await existing(store);
      const [a, c] = [freshId("iaa"), freshId("iac")];
      const batch = await records(env, [a, taken.session.id, c], [4, 3, 1]);
      const broken = batch.map((record) => structuredClone(record));
      broken[1]!.events[2]!.seq = 7; // a hole in the history
      const error = await expectCode(
        store.importMany(broken, { onConflict: "overwrite" }),
        "ERR_INVALID_INPUT",
        "a record with a seq gap",
      );
      expectEqual((error as { details?: { index?: number } }).details?.index, 1, "the record it stopped at");
      expectDeepEqual(await stored(store, a), batch[0], "the valid record before it, whole");
      expectDeepEqual(await stored(store, taken.session.id), taken, "the session it would have replaced");
      expectEqual(await store.get(c), null, "the record after it");
      const tooMany = structuredClone(batch[2]!);
      tooMany.session.eventCount = 5;
      await expectCode(store.importMany([tooMany]), "ERR_INVALID_INPUT", "eventCount beyond the history");
      expectEqual(await store.get(c), null, "nothing of a record whose eventCount lies");
    },
  },
];
