import assert from "node:assert/strict";
import { createPrng, expectDeepEqual, freshId, input } from "../assertions.js";
import type { CaseDefinition, ChildStore } from "../case.js";
import { WATCH_DEADLINE_MS } from "./watch-helpers.js";

/** What the child runner's `watch` command reports for each item. */
interface Reported {
  cursor: string;
  sessionId: string;
  kind: string;
  seq?: number;
}

/** Collects the child's reports into `into` until it dies or `stop()` is awaited. */
function drain(remote: ChildStore, into: Reported[]) {
  let alive = true;
  const loop = (async () => {
    while (alive) {
      let value: unknown;
      try {
        value = await remote.nextProgress();
      } catch {
        return;
      }
      if (value === undefined) return;
      into.push(value as Reported);
    }
  })();
  return {
    stop: async () => {
      alive = false;
      await remote.kill();
      await loop;
    },
  };
}

/** SS-W (cross-process restarts): a watcher killed at random points and resumed from its last cursor. */
export const watchRestartCases: CaseDefinition[] = [
  {
    id: "SS-W-08",
    group: "SS-W",
    title:
      "a watcher process killed at random points (watchRestarts: 40, 100 under SESSIONKIT_CONFORMANCE_FULL=1) and restarted from its last received cursor receives the whole history exactly once",
    requires: ["watch", "multiProcess", "child"],
    async run({ open, child, watchRestarts, ctx }) {
      const store = await open();
      // Each round boots a process (~0.2 s idle, seconds on a loaded 2-core box), overlapped with
      // the previous round: 40 by default keeps the case well within its timeout.
      const rounds = watchRestarts;
      const prng = createPrng(ctx.namespace.length * 7919 + watchRestarts);
      const ids = [freshId("r"), freshId("s")];
      const expected: string[] = [];
      for (const id of ids) {
        await store.create(input({ id }), { events: [{ type: "start" }] });
        expected.push(`${id}:1`);
      }
      const counts = new Map(ids.map((id) => [id, 1]));
      const received: Reported[] = [];
      let since: string | undefined = "start";
      const commitSome = async (round: number) => {
        const id = ids[round % 2]!;
        if (round % 5 === 4) {
          await store.commit(id, { patch: { iterations: round } });
          expected.push(`${id}:state:${counts.get(id)}`);
          return;
        }
        await store.commit(id, { events: [{ type: "e", data: { round } }, { type: "f" }] });
        for (let k = 0; k < 2; k++) {
          const seq = counts.get(id)! + 1;
          counts.set(id, seq);
          expected.push(`${id}:${seq}`);
        }
      };
      // The next watcher process boots while this one runs: a round costs a kill, not a boot.
      let spare = child();
      for (let round = 0; round < rounds; round++) {
        const remote = await spare;
        spare = child();
        const reports: Reported[] = [];
        const drained = drain(remote, reports);
        const watching = remote.command("watch", [{}, since]).catch(() => undefined);
        await commitSome(round);
        // A random point: right away, after a few ms, or once some items arrived.
        const wait = prng.int(3);
        if (wait === 1) await new Promise((resolve) => setTimeout(resolve, prng.int(15)));
        if (wait === 2) {
          const deadline = Date.now() + 300;
          while (reports.length === 0 && Date.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 2));
        }
        await drained.stop();
        await watching;
        received.push(...reports);
        if (reports.length > 0) since = reports[reports.length - 1]!.cursor;
      }
      // A last watcher, left to finish.
      const remote = await spare;
      const reports: Reported[] = [];
      const drained = drain(remote, reports);
      remote.command("watch", [{}, since]).catch(() => undefined);
      const deadline = Date.now() + WATCH_DEADLINE_MS;
      while (received.length + reports.length < expected.length && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await drained.stop();
      received.push(...reports);
      const keys = received.map((item) =>
        item.seq === undefined ? `${item.sessionId}:state:${0}` : `${item.sessionId}:${item.seq}`,
      );
      const normalized = expected.map((key) => key.replace(/:state:\d+$/, ":state:0"));
      assert.equal(new Set(received.map((item) => item.cursor)).size, received.length, "a repeated item");
      expectDeepEqual(keys, normalized, "the union of what the restarted watchers received");
    },
  },
];
