import assert from "node:assert/strict";
import type { SessionStore } from "@sessionkit/core";
import { assertTyped, codeOf, expectEqual, freshId, input } from "../assertions.js";
import type { CaseDefinition, ChildStore } from "../case.js";
import { withDeadline } from "../context.js";
import { assertAppendInvariants } from "./events.js";

/** A commit in the critical section that fails must release the lock at once; this bounds "at once". */
const RELEASE_DEADLINE_MS = 5_000;

async function snapshot(store: SessionStore, id: string) {
  return {
    get: await store.get(id),
    history: await store.getWithHistory(id),
    events: await store.readEvents(id).catch((error: unknown) => codeOf(error)),
    list: (await store.list()).items,
    count: await store.count(),
    stats: await store.stats(),
  };
}

/**
 * Checks a session written by the child's commitLoop: whole and self-consistent (the state of exactly
 * one commit, with exactly its events), and not older than the last commit acknowledged to the child.
 */
async function assertOldOrNew(store: SessionStore, id: string, low: number, what: string): Promise<number> {
  const session = await store.getWithHistory(id);
  assert.ok(session, `${what}: the session vanished`);
  assert.ok(
    session.version >= low,
    `${what}: version ${session.version}, but v${low} was acknowledged (an acknowledged commit was lost)`,
  );
  const n = session.version;
  if (n > 1) {
    assert.equal(
      (session.context as { n?: number }).n,
      n,
      `${what}: context does not belong to version ${n} (torn write)`,
    );
    assert.deepStrictEqual(
      (session.context as { parts?: number[] }).parts,
      [n, n, n],
      `${what}: torn context`,
    );
    expectEqual(session.iterations, n, "session.iterations");
  }
  assert.equal(
    session.eventCount,
    (n - 1) * 2,
    `${what}: eventCount ${session.eventCount} does not match version ${n}`,
  );
  assert.equal(session.history.length, session.eventCount, `${what}: history length differs from eventCount`);
  session.history.forEach((event, index) => {
    assert.equal(event.seq, index + 1, `${what}: history seq gap`);
    assert.equal(
      (event.data as { n: number }).n,
      Math.floor(index / 2) + 2,
      `${what}: event from the wrong commit`,
    );
  });
  return n;
}

/** SS-CC: concurrency across handles and processes, locks, crashes. */
export const concurrencyCases: CaseDefinition[] = [
  {
    id: "SS-CC-01",
    group: "SS-CC",
    title: "read-your-writes across handles: each handle sees the other's writes and deletes at once",
    requires: ["multiHandle", "reopen"],
    async run({ open, reopen, ctx }) {
      const a = await open();
      const b = await reopen();
      const id = freshId();
      await a.create(input({ id, userId: "u" }), { events: [{ type: "start" }] });
      assert.deepStrictEqual(await snapshot(b, id), await snapshot(a, id), "b does not see a's create");
      for (let k = 0; k < 6; k++) {
        const [writer, reader] = k % 2 === 0 ? [b, a] : [a, b];
        await reader.get(id);
        await reader.list();
        await reader.stats();
        ctx.clock.advance(1);
        await writer.commit(id, {
          expectedVersion: k + 1,
          patch: { iterations: k + 1 },
          events: [{ type: "iteration", data: { k } }],
        });
        assert.deepStrictEqual(
          await snapshot(reader, id),
          await snapshot(writer, id),
          `commit ${k} is not visible on the other handle`,
        );
      }
      await b.delete(id);
      assert.equal(await a.get(id), null, "a still sees a session b deleted");
      expectEqual(await a.count(), 0, "a.count()");
      await a.create(input({ id }));
      assert.equal((await b.get(id))?.version, 1, "b serves a stale copy of a re-created session");
    },
  },
  {
    id: "SS-CC-02",
    group: "SS-CC",
    title: "readers never see a torn record while a large session is rewritten (× iterations)",
    async run(env) {
      const store = await env.open();
      const readers: Array<Pick<SessionStore, "get">> = [store];
      if (env.capabilities.multiHandle && env.harness.reopen) readers.push(await env.reopen());
      const size = Math.min(256 * 1024, Math.floor(env.capabilities.maxPayloadBytes / 8));
      const body = (n: number) => ({
        n,
        a: String(n).repeat(size / 2 / String(n).length),
        b: String(n).repeat(size / 2 / String(n).length),
        tail: n,
      });
      const id = freshId("torn");
      await store.create(input({ id, context: body(1) }));
      for (let round = 0; round < env.iterations; round++) {
        const outcomes = await env.startTogether(6, async (w) => {
          if (w === 0) {
            const n = round + 2;
            await store.commit(id, { patch: { iterations: n, context: body(n) } });
            return null;
          }
          return readers[w % readers.length]!.get(id);
        });
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") assertTyped(outcome.reason, "read during rewrite");
          assert.equal(outcome.status, "fulfilled", "a read during a rewrite failed");
          const seen = (outcome as PromiseFulfilledResult<Awaited<ReturnType<SessionStore["get"]>>>).value;
          if (!seen) continue;
          const n = (seen.context as { n: number }).n;
          assert.deepStrictEqual(seen.context, body(n), "a reader saw a torn context");
        }
      }
    },
  },
  {
    id: "SS-CC-03",
    group: "SS-CC",
    title:
      "writes to different sessions never refuse each other: 50 concurrent creates and commits all succeed",
    async run(env) {
      const store = await env.open();
      // A few rounds, so the seeded offsets give more than one interleaving.
      for (let round = 0; round < 3; round++) {
        const ids = Array.from({ length: 50 }, () => freshId("apart"));
        const outcomes = await env.startTogether(50, async (k) => {
          await store.create(input({ id: ids[k]! }), { events: [{ type: "start" }] });
          return store.commit(ids[k]!, { expectedVersion: 1, events: [{ type: "x", data: { k } }] });
        });
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") assertTyped(outcome.reason, "create/commit on distinct ids");
          assert.equal(
            outcome.status,
            "fulfilled",
            `round ${round}: a write to a distinct session was refused`,
          );
        }
        const sessions = 50 * (round + 1);
        expectEqual(
          await store.count(),
          sessions,
          `round ${round}: count() after ${sessions} concurrent creates`,
        );
        expectEqual(
          (await store.stats()).events,
          2 * sessions,
          `round ${round}: stats().events after ${sessions} creates with one event and one commit of one event each`,
        );
      }
    },
  },
  {
    id: "SS-CC-04",
    group: "SS-CC",
    title: "cross-process contention on one session: no raw driver error escapes and no update is lost",
    requires: ["multiProcess", "child"],
    async run(env) {
      const store = await env.open();
      const children: ChildStore[] = await Promise.all([env.child(), env.child()]);
      const id = freshId("xp");
      await store.create(input({ id }));
      const perWriter = 15;
      const [first, second, local] = await Promise.all([
        children[0]!.command("hammer", [id, perWriter, "c0"]),
        children[1]!.command("hammer", [id, perWriter, "c1"]),
        (async () => {
          const outcome = { ok: 0, errors: [] as unknown[] };
          for (let k = 0; k < perWriter; k++) {
            try {
              await store.commit(id, { events: [{ type: "hammer", data: { tag: "p", k } }] });
              outcome.ok += 1;
            } catch (error) {
              outcome.errors.push(error);
            }
          }
          return outcome;
        })(),
      ]);
      const all = [first, second, local] as Array<{ ok: number; errors: unknown[] }>;
      for (const outcome of all) {
        for (const error of outcome.errors) {
          assertTyped(error, "cross-process commit");
          assert.equal(
            codeOf(error),
            "ERR_STORE_BUSY",
            `only ERR_STORE_BUSY may refuse an unconditional commit, got ${codeOf(error)}`,
          );
        }
      }
      const ok = all.reduce((sum, outcome) => sum + outcome.ok, 0);
      const final = (await store.getWithHistory(id))!;
      assert.equal(final.version, 1 + ok, "lost update across processes");
      expectEqual(final.eventCount, ok, "final.eventCount");
      for (const [index, event] of final.history.entries()) expectEqual(event.seq, index + 1, "event.seq");
      const tags = new Set(
        final.history.map(
          (event) => `${(event.data as { tag: string }).tag}:${(event.data as { k: number }).k}`,
        ),
      );
      assert.equal(tags.size, ok, "an event was stored twice");
    },
  },
  {
    id: "SS-CC-05",
    group: "SS-CC",
    title:
      "a commit that fails inside the critical section releases the lock: the next writer proceeds at once",
    async run(env) {
      const store = await env.open();
      const id = freshId("lock");
      await store.create(input({ id }));
      for (let k = 0; k < 5; k++) {
        let error: unknown;
        try {
          await withDeadline(
            store.commit(id, { expectedVersion: 99, events: [{ type: "x" }] }),
            RELEASE_DEADLINE_MS,
            "a conflicting commit",
          );
        } catch (caught) {
          error = caught;
        }
        assert.equal(codeOf(error), "ERR_VERSION_CONFLICT", `expected a conflict, got ${String(error)}`);
        const { session } = await withDeadline(
          store.commit(id, { expectedVersion: k + 1, events: [{ type: "after", data: { k } }] }),
          RELEASE_DEADLINE_MS,
          "the commit after a failed one (lock not released?)",
        );
        expectEqual(session.version, k + 2, "session.version");
        expectEqual(
          await withDeadline(store.delete(freshId(), { expectedVersion: 1 }), RELEASE_DEADLINE_MS, "delete"),
          false,
          "withDeadline(store.delete(freshId(), { expectedVersion: 1 }), RELEASE…",
        );
      }
      if (env.capabilities.multiProcess && env.harness.childModule) {
        const child = await env.child();
        await assert.rejects(
          child.commit(id, { expectedVersion: 1, events: [{ type: "x" }] }),
          (e: { code?: string }) => e.code === "ERR_VERSION_CONFLICT",
          "a child's commit with a stale version after a failed commit: expected ERR_VERSION_CONFLICT",
        );
        const { session } = await withDeadline(
          store.commit(id, { events: [{ type: "after-child" }] }),
          RELEASE_DEADLINE_MS,
          "commit after a child's failed commit",
        );
        expectEqual(session.version, 7, "session.version");
      }
    },
  },
  {
    id: "SS-CC-06",
    group: "SS-CC",
    title:
      "a writer killed (SIGKILL) mid-commit leaves old or new state, readable and whole; the next writer is not blocked",
    requires: ["crashSafe", "child"],
    async run(env) {
      const store = await env.open();
      const recovery = env.harness.lockRecoveryMs ?? 15_000;
      const killed: Array<{ id: string; version: number }> = [];
      // Children start ahead of need (node start-up dominates an iteration); each is killed once.
      const spawnAhead = () => {
        const next = env.child();
        next.catch(() => undefined);
        return next;
      };
      const warm = [spawnAhead(), spawnAhead(), spawnAhead()];
      for (let round = 0; round < env.crashIterations; round++) {
        const child = await warm.shift()!;
        if (round + warm.length < env.crashIterations) warm.push(spawnAhead());
        const id = freshId("crash");
        await store.create(input({ id }));
        const loop = child.command("commitLoop", [id, 2048 + (round % 7) * 4096]);
        loop.catch(() => undefined);
        const target = round % 4;
        for (let k = 0; k < target; k++) await Promise.race([child.nextProgress(), loop]);
        for (let spin = round % 5; spin > 0; spin--) await new Promise((resolve) => setImmediate(resolve));
        await child.kill();
        const acked = Number(child.lastProgress() ?? 1);
        const version = await assertOldOrNew(
          store,
          id,
          acked,
          `round ${round} (child acknowledged v${acked})`,
        );
        assert.ok(
          (await store.list({ limit: 1000 })).corrupt.length === 0,
          `round ${round}: list reports a corrupt record`,
        );
        killed.push({ id, version });
      }
      for (const spare of warm) await (await spare).kill();
      const started = Date.now();
      // No expectedVersion here: a server store may still finish a statement the killed client had
      // already sent, so the version can move once more after our read. That is the "new" state;
      // what must hold is that nothing blocks the next writer and every history stays whole.
      const next = await withDeadline(
        Promise.all(killed.map(({ id }) => store.commit(id, { events: [{ type: "after-crash" }] }))),
        recovery + 2_000,
        `the next writers after ${killed.length} kills (lockRecoveryMs ${recovery})`,
      );
      assert.ok(
        Date.now() - started <= recovery + 2_000,
        `the next writers took ${Date.now() - started} ms after the kills, expected at most lockRecoveryMs ${recovery} + 2000`,
      );
      for (const [index, result] of next.entries()) {
        const { id, version } = killed[index]!;
        assert.ok(result.session.version >= version + 1, `${id}: version went back after the crash`);
        const whole = (await store.getWithHistory(id))!;
        assert.equal(whole.history.length, whole.eventCount, `${id}: history and eventCount disagree`);
        assert.deepEqual(
          whole.history.map((event) => event.seq),
          whole.history.map((_, i) => i + 1),
          `${id}: seq not contiguous after the crash`,
        );
        expectEqual(whole.history.at(-1)?.type, "after-crash", "whole.history.at(-1)?.type");
      }
      if (env.harness.reopen) {
        const fresh = await env.reopen();
        for (const [index, { id }] of killed.entries()) {
          if (index < killed.length - 5) continue;
          expectEqual(
            (await fresh.get(id))?.version,
            next[index]!.session.version,
            "(await fresh.get(id))?.version",
          );
        }
      }
    },
  },
  {
    id: "SS-CC-07",
    group: "SS-CC",
    title:
      "concurrent appends from two child processes and this one keep every event exactly once, in writer order",
    requires: ["multiProcess", "child"],
    async run(env) {
      const store = await env.open();
      const children = await Promise.all([env.child(), env.child()]);
      const writers = [store, ...children];
      const batches = 6;
      // A few rounds, so the seeded offsets give more than one interleaving.
      for (let round = 0; round < 3; round++) {
        const id = freshId("xpev");
        await store.create(input({ id }));
        const outcomes = await env.startTogether(writers.length, async (w) => {
          for (let k = 0; k < batches; k++) {
            await writers[w]!.commit(id, { events: [{ type: "e", data: { writer: `w${w}`, k } }] });
          }
        });
        for (const outcome of outcomes)
          if (outcome.status === "rejected") assertTyped(outcome.reason, "cross-process append");
        const failed = outcomes.filter((outcome) => outcome.status === "rejected").length;
        assert.equal(
          failed,
          0,
          `round ${round}: ${failed} of ${writers.length} writers had an unconditional append refused, expected 0`,
        );
        const final = (await store.getWithHistory(id))!;
        expectEqual(
          final.eventCount,
          writers.length * batches,
          `round ${round}: eventCount after ${writers.length} writers × ${batches} appends of one event (lower means lost appends)`,
        );
        assertAppendInvariants(
          final.history,
          new Map(writers.map((_, w) => [`w${w}`, batches] as const)),
          `round ${round}: cross-process appends`,
        );
      }
    },
  },
];
