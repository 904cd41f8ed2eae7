import type { Session } from "@sessionkit/core";
import { expectDeepEqual, expectEqual, freshId, input } from "../assertions.js";
import type { CaseDefinition } from "../case.js";

/** The suite's own projection of a session onto what list() returns (not core's toSummary). */
const NOT_LISTED = new Set(["context", "result", "error", "pause", "owner", "leaseUntil", "operations"]);
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
];
