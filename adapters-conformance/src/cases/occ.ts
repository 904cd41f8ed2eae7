import assert from "node:assert/strict";
import type { SessionStore } from "@sessionkit/core";
import {
  assertTyped,
  codeOf,
  expectCode,
  expectDeepEqual,
  expectEqual,
  freshId,
  input,
} from "../assertions.js";
import type { CaseDefinition, CaseEnv, ChildStore } from "../case.js";

type Committer = Pick<SessionStore, "commit">;

/** Runs `iterations` CAS races of `writers` commits with the same expectedVersion over the given handles. */
async function casRace(
  env: CaseEnv,
  handles: Committer[],
  writers: number,
  iterations: number,
): Promise<void> {
  const store = await env.open();
  for (let round = 0; round < iterations; round++) {
    const id = freshId("cas");
    await store.create(input({ id }));
    await store.commit(id, { events: [{ type: "warm" }] });
    const outcomes = await env.startTogether(writers, (w) =>
      handles[w % handles.length]!.commit(id, {
        expectedVersion: 2,
        patch: { task: `writer-${w}`, context: { writer: w } },
        events: [{ type: "won", data: { writer: w } }],
      }),
    );
    const winners = outcomes.flatMap((outcome, w) => (outcome.status === "fulfilled" ? [w] : []));
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        assert.equal(
          codeOf(outcome.reason),
          "ERR_VERSION_CONFLICT",
          `a losing writer got ${(outcome.reason as Error)?.message}`,
        );
      }
    }
    assert.equal(winners.length, 1, `round ${round}: expected exactly one winner, got ${winners.length}`);
    const w = winners[0]!;
    const final = await store.getWithHistory(id);
    expectEqual(final?.version, 3, `round ${round}: version after one winning commit on version 2`);
    expectEqual(final?.task, `writer-${w}`, `round ${round}: task (the winner was writer ${w})`);
    expectDeepEqual(final?.context, { writer: w }, `round ${round}: context (the winner was writer ${w})`);
    expectDeepEqual(
      final?.history.map((event) => [event.seq, event.type, event.data]),
      [
        [1, "warm", {}],
        [2, "won", { writer: w }],
      ],
      "final?.history.map((event) => [event.seq, event.type, event.data])",
    );
  }
}

/** SS-OCC: versions and optimistic concurrency. */
export const occCases: CaseDefinition[] = [
  {
    id: "SS-OCC-01",
    group: "SS-OCC",
    title: "every committed change raises version by exactly one (patch, events, both, or empty)",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }));
      const changes = [
        { patch: { iterations: 1 } },
        { events: [{ type: "a" }, { type: "b" }] },
        { patch: { task: "x" }, events: [{ type: "c" }] },
        {},
      ];
      for (const [k, change] of changes.entries()) {
        const { session } = await store.commit(id, change);
        expectEqual(session.version, k + 2, "session.version");
        expectEqual((await store.get(id))?.version, k + 2, "(await store.get(id))?.version");
      }
    },
  },
  {
    id: "SS-OCC-02",
    group: "SS-OCC",
    title:
      "a matching expectedVersion commits; a stale one rejects with ERR_VERSION_CONFLICT and changes nothing",
    async run({ open, ctx }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }), { events: [{ type: "start" }] });
      await store.commit(id, {
        expectedVersion: 1,
        patch: { iterations: 1 },
        events: [{ type: "iteration" }],
      });
      const before = await store.getWithHistory(id);
      ctx.clock.advance(7);
      for (const stale of [1, 3, 100]) {
        await expectCode(
          store.commit(id, {
            expectedVersion: stale,
            patch: { task: "lost", iterations: 9 },
            events: [{ type: "lost" }],
          }),
          "ERR_VERSION_CONFLICT",
          `commit with expectedVersion ${stale} on version 2`,
        );
      }
      assert.deepStrictEqual(
        await store.getWithHistory(id),
        before,
        "a conflicting commit changed the session",
      );
      const { session } = await store.commit(id, { expectedVersion: 2, patch: { task: "won" } });
      expectEqual(session.version, 3, "session.version");
    },
  },
  {
    id: "SS-OCC-03",
    group: "SS-OCC",
    title:
      "compare-and-set race on one handle: exactly one of 8 writers wins, the rest conflict (× iterations)",
    async run(env) {
      const store = await env.open();
      await casRace(env, [store], 8, env.iterations);
    },
  },
  {
    id: "SS-OCC-04",
    group: "SS-OCC",
    title: "compare-and-set race split over two handles: exactly one winner (× iterations)",
    requires: ["multiHandle", "reopen"],
    async run(env) {
      const store = await env.open();
      const second = await env.reopen();
      await casRace(env, [store, second], 8, env.iterations);
    },
  },
  {
    id: "SS-OCC-05",
    group: "SS-OCC",
    title: "compare-and-set race between this process and two child processes: exactly one winner",
    requires: ["multiProcess", "child"],
    async run(env) {
      const store = await env.open();
      const children: ChildStore[] = await Promise.all([env.child(), env.child()]);
      await casRace(env, [store, ...children], 6, Math.max(3, Math.ceil(env.iterations / 3)));
    },
  },
  {
    id: "SS-OCC-06",
    group: "SS-OCC",
    title:
      "concurrent creates of one id: exactly one succeeds, the rest get ERR_SESSION_EXISTS (× iterations)",
    async run(env) {
      const store = await env.open();
      const handles: Array<Pick<SessionStore, "create">> = [store];
      if (env.capabilities.multiHandle && env.harness.reopen) handles.push(await env.reopen());
      for (let round = 0; round < env.iterations; round++) {
        const id = freshId("dup");
        const outcomes = await env.startTogether(8, (w) =>
          handles[w % handles.length]!.create(input({ id, task: `writer-${w}` }), {
            events: [{ type: "start", data: { w } }],
          }),
        );
        const winners = outcomes.flatMap((outcome, w) => (outcome.status === "fulfilled" ? [w] : []));
        for (const outcome of outcomes) {
          if (outcome.status === "rejected")
            assert.equal(codeOf(outcome.reason), "ERR_SESSION_EXISTS", String(outcome.reason));
        }
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} creates of one id succeeded`);
        const final = await store.getWithHistory(id);
        expectEqual(final?.task, `writer-${winners[0]}`, "final?.task");
        expectDeepEqual(
          final?.history.map((event) => event.data),
          [{ w: winners[0] }],
          "final?.history.map((event) => event.data)",
        );
      }
    },
  },
  {
    id: "SS-OCC-07",
    group: "SS-OCC",
    title:
      "unconditional concurrent commits: version rises by exactly N and the state is one writer's whole patch",
    async run(env) {
      const store = await env.open();
      const handles: Committer[] = [store];
      if (env.capabilities.multiHandle && env.harness.reopen) handles.push(await env.reopen());
      for (let round = 0; round < env.iterations; round++) {
        const id = freshId("occ");
        await store.create(input({ id }));
        const outcomes = await env.startTogether(8, (w) =>
          handles[w % handles.length]!.commit(id, {
            patch: { task: `t${w}`, iterations: w, context: { w, mark: `m${w}` } },
          }),
        );
        for (const outcome of outcomes)
          if (outcome.status === "rejected") assertTyped(outcome.reason, "unconditional commit");
        const ok = outcomes.filter((outcome) => outcome.status === "fulfilled").length;
        assert.equal(
          ok,
          8,
          `round ${round}: ${ok} of 8 unconditional commits succeeded, expected all 8 (wait, never refuse)`,
        );
        const final = (await store.get(id))!;
        expectEqual(
          final.version,
          9,
          `round ${round}: version after 8 unconditional commits on version 1 (a lower one means lost updates)`,
        );
        const w = final.iterations;
        assert.equal(final.task, `t${w}`, "torn state: task and iterations come from different writers");
        expectDeepEqual(
          final.context,
          { w, mark: `m${w}` },
          `round ${round}: context, expected writer ${w}'s whole patch`,
        );
      }
    },
  },
  {
    id: "SS-OCC-08",
    group: "SS-OCC",
    title: "delete with a stale expectedVersion rejects with ERR_VERSION_CONFLICT and the session survives",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id }), { events: [{ type: "start" }] });
      await store.commit(id, { events: [{ type: "x" }] });
      const before = await store.getWithHistory(id);
      await expectCode(
        store.delete(id, { expectedVersion: 1 }),
        "ERR_VERSION_CONFLICT",
        "delete with a stale version",
      );
      expectDeepEqual(await store.getWithHistory(id), before, "store.getWithHistory(id)");
      expectEqual(
        await store.delete(id, { expectedVersion: 2 }),
        true,
        "store.delete(id, { expectedVersion: 2 })",
      );
      expectEqual(await store.get(id), null, "store.get(id)");
    },
  },
  {
    id: "SS-OCC-09",
    group: "SS-OCC",
    title: "a conditional delete racing a conditional commit: never both succeed (× iterations)",
    async run(env) {
      const store = await env.open();
      for (let round = 0; round < env.iterations; round++) {
        const id = freshId("dc");
        await store.create(input({ id }));
        const [committed, deleted] = await env.startTogether<unknown>(2, (w) =>
          w === 0
            ? store.commit(id, { expectedVersion: 1, events: [{ type: "x" }] })
            : store.delete(id, { expectedVersion: 1 }),
        );
        const commitOk = committed!.status === "fulfilled";
        const deleteOk =
          deleted!.status === "fulfilled" && (deleted as PromiseFulfilledResult<unknown>).value === true;
        assert.ok(
          commitOk !== deleteOk,
          `round ${round}: commit ${commitOk ? "won" : "lost"} and delete ${deleteOk ? "won" : "lost"}`,
        );
        for (const outcome of [committed!, deleted!]) {
          if (outcome.status === "rejected") {
            assert.ok(
              ["ERR_VERSION_CONFLICT", "ERR_SESSION_NOT_FOUND"].includes(codeOf(outcome.reason) ?? ""),
              String(outcome.reason),
            );
          }
        }
        const final = await store.get(id);
        if (deleteOk) expectEqual(final, null, `round ${round}: the session after a successful delete`);
        else expectEqual(final?.version, 2, `round ${round}: version after the commit won`);
      }
    },
  },
];
