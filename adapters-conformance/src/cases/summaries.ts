import { type Session, stuckReason } from "@sessionkit/core";
import { expectDeepEqual, expectEqual, freshId, input } from "../assertions.js";
import type { CaseDefinition } from "../case.js";
import { managerOf } from "./manager-helpers.js";

/** The suite's own projection of a session onto what list() returns (not core's toSummary): owner and lease are listed. */
const NOT_LISTED = new Set(["context", "result", "error", "pause", "operations"]);
function listed(session: Session): Record<string, unknown> {
  return Object.fromEntries(Object.entries(session).filter(([key]) => !NOT_LISTED.has(key)));
}

/** SS-Q-12: a listing index must keep each session's newest summary, whatever order writers publish in. */
export const summaryCases: CaseDefinition[] = [
  {
    id: "SS-Q-12",
    group: "SS-Q",
    title:
      "after concurrent commits every listed summary is the session's newest (highest version), in list, count and stats (× iterations)",
    async run(env) {
      const store = await env.open();
      // Issue 14, defect 3: a writer resumed after a pause published its older summary after the
      // newer one, and an index where "the last line per id wins" kept it for good.
      const ids = Array.from({ length: 3 }, () => freshId("sum"));
      for (const id of ids) await store.create(input({ id }));
      const rounds = Math.max(3, Math.ceil(env.iterations / 2));
      for (let round = 0; round < rounds; round++) {
        const sides = 12;
        const outcomes = await env.startTogether(sides, (k) =>
          store.commit(ids[k % ids.length]!, {
            patch: { iterations: round * sides + k, status: k % 2 === 0 ? "active" : "paused" },
            events: [{ type: "tick", data: { round, k } }],
          }),
        );
        const refused = outcomes.filter((outcome) => outcome.status === "rejected").length;
        expectEqual(refused, 0, `round ${round}: unconditional commits refused (of ${sides})`);
        const sessions = (await Promise.all(ids.map((id) => store.get(id)))) as Session[];
        const page = await store.list({ limit: 100 });
        for (const session of sessions) {
          const item = page.items.find((summary) => summary.id === session.id);
          expectDeepEqual(
            item,
            listed(session),
            `round ${round}: list() summary of ${session.id} against get() (version ${session.version}; an older one means the index kept the last summary published, not the highest version)`,
          );
        }
        for (const status of ["active", "paused"] as const) {
          const expected = sessions.filter((session) => session.status === status).length;
          expectEqual(
            await store.count({ status }),
            expected,
            `round ${round}: count({ status: "${status}" })`,
          );
          expectEqual(
            (await store.stats()).byStatus[status] ?? 0,
            expected,
            `round ${round}: stats().byStatus.${status}`,
          );
        }
      }
    },
  },
  {
    id: "SS-Q-13",
    group: "SS-Q",
    title:
      "a listed summary carries owner and leaseUntil exactly as stored (claim, re-claim, release), so a list flags a stuck session without reading records",
    requires: ["leases"],
    async run(env) {
      const store = await env.open();
      // Heartbeats run every leaseMs / 3 of real time: 200 s, far beyond this case.
      const owner = managerOf(env, store, { ownerId: "owner_listed", leaseMs: 600_000 });
      const held = await owner.start({ task: "held", mode: "m" });
      const lapsed = await owner.start({ task: "lapsed", mode: "m" });
      const free = await owner.start({ task: "free", mode: "m" });
      await owner.release(free.id);
      env.ctx.clock.advance(700_000);
      await owner.claim(held.id, { leaseMs: 600_000 });
      const nowMs = env.ctx.clock.now();
      const page = await store.list({ limit: 100 });
      for (const [session, stuck] of [
        [held, null],
        [lapsed, "lease_expired"],
        [free, null],
      ] as const) {
        const stored = (await store.get(session.id))!;
        const item = page.items.find((summary) => summary.id === session.id);
        expectDeepEqual(item, listed(stored), `list() summary of the ${session.task} session against get()`);
        expectEqual(
          item && stuckReason(item, nowMs),
          stuck,
          `stuckReason of the listed ${session.task} session`,
        );
      }
      expectEqual(
        page.items.find((summary) => summary.id === free.id)?.owner,
        undefined,
        "owner of the released session's summary",
      );
    },
  },
];
