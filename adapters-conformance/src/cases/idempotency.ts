import { expectCode, expectDeepEqual, expectEqual, freshId } from "../assertions.js";
import type { CaseDefinition } from "../case.js";
import type { Submission, SubmissionOutcome } from "../child-manager.js";
import { call, expectedCounts, opId, receiver, script, typeCounts } from "./idempotency-script.js";
import { managerOf, webhooksTo } from "./manager-helpers.js";

/** SS-IDEM: operation ids, stored with the session, make every manager call exactly-once. */
export const idempotencyCases: CaseDefinition[] = [
  {
    id: "SS-IDEM-01",
    group: "SS-IDEM",
    title:
      "each mutating call replayed with its operationId (3 at once, then once more) has exactly one effect; another request under the same id is ERR_IDEMPOTENCY_CONFLICT and changes nothing",
    requires: ["idempotency"],
    async run(env) {
      const store = await env.open();
      const manager = managerOf(env, store);
      const replayer = managerOf(env, store);
      const { id } = await manager.start({ task: "t", mode: "m" });
      const steps = script(id);
      for (const step of steps) {
        const first = await Promise.allSettled([
          call(manager, step),
          call(replayer, step),
          call(manager, step),
        ]);
        const refused = first.filter((outcome) => outcome.status === "rejected");
        expectDeepEqual(
          refused.map((outcome) => (outcome as PromiseRejectedResult).reason?.code),
          [],
          `${step.method}: codes of refused submissions of one operation id`,
        );
        const after = (await store.getWithHistory(id))!;
        await call(replayer, step);
        await expectCode(
          call(manager, step, step.other),
          "ERR_IDEMPOTENCY_CONFLICT",
          `${step.method} with another payload under the same operation id`,
        );
        expectDeepEqual(
          await store.getWithHistory(id),
          after,
          `${step.method}: the session after a replay and a conflicting request (0 partial writes)`,
        );
      }
      expectDeepEqual(
        await typeCounts(store, id),
        expectedCounts(steps),
        "events per type after every call was submitted 4 times",
      );
      expectEqual((await store.get(id))!.version, 1 + steps.length, "version: one commit per operation");
    },
  },
  {
    id: "SS-IDEM-02",
    group: "SS-IDEM",
    title:
      "start with a caller-given id is idempotent: 4 concurrent starts give one session and one start event; the same id with another input is ERR_IDEMPOTENCY_CONFLICT",
    requires: ["idempotency"],
    async run(env) {
      const store = await env.open();
      const managers = [managerOf(env, store), managerOf(env, store)];
      const id = freshId("start");
      const request = { id, task: "t", mode: "m", context: { a: 1 } };
      const outcomes = await Promise.allSettled(
        Array.from({ length: 4 }, (_, k) => managers[k % 2]!.start({ ...request })),
      );
      const refused = outcomes.filter((outcome) => outcome.status === "rejected");
      expectDeepEqual(
        refused.map((outcome) => (outcome as PromiseRejectedResult).reason?.code),
        [],
        "codes of refused duplicate starts",
      );
      const stored = (await store.getWithHistory(id))!;
      expectEqual(stored.version, 1, "version after 4 starts of one request");
      expectDeepEqual(await typeCounts(store, id), { start: 1 }, "events per type after 4 starts");
      await expectCode(
        managers[0]!.start({ ...request, task: "other" }),
        "ERR_IDEMPOTENCY_CONFLICT",
        "start of the same id with another task",
      );
      expectDeepEqual(await store.getWithHistory(id), stored, "the session after the conflicting start");
    },
  },
  {
    id: "SS-IDEM-03",
    group: "SS-IDEM",
    title:
      "2 processes × 20 duplicate submissions of each call with the same operationId (1,000 under SESSIONKIT_CONFORMANCE_FULL=1): exactly one effect, one event and one webhook delivery (real 127.0.0.1 receiver) per id, every submission answered with the first result's version; another payload under it: ERR_IDEMPOTENCY_CONFLICT, 0 partial writes",
    requires: ["idempotency", "multiProcess", "child"],
    async run(env) {
      const store = await env.open();
      const { url, byKey, attempts } = await receiver(env);
      const children = await Promise.all([env.child(), env.child()]);
      for (const child of children) await child.command("manager", [webhooksTo(url)]);
      const id = freshId("dup");
      const start: Submission = {
        method: "start",
        args: [{ id, task: "t", mode: "m" }],
        operationId: "unused",
      };
      // start takes no call options: its idempotency key is the caller-given id itself.
      await Promise.all(children.map((child) => child.command("call", [start.method, start.args])));
      const steps = script(id);
      const submissions: Submission[] = steps.map((step) => ({
        method: step.method,
        args: step.args,
        operationId: opId(step),
      }));
      const copies = env.duplicateCopies;
      const answers = (await Promise.all(
        children.map((child) => child.command("submitDuplicates", [submissions, copies, 4])),
      )) as SubmissionOutcome[][][];
      answers.forEach((perStep, c) => {
        perStep.forEach((outcomes, s) => {
          const codes = outcomes.filter((o): o is { code: string } => "code" in o).map((o) => o.code);
          expectDeepEqual(codes, [], `process ${c}, ${steps[s]!.method}: codes of refused duplicates`);
        });
      });
      // Step s committed version 2 + s (start is 1): every duplicate, in either process, answers it.
      steps.forEach((step, s) => {
        const versions = new Set(
          answers.flatMap((perStep) => perStep[s]!.map((o) => ("version" in o ? o.version : 0))),
        );
        expectDeepEqual(
          [...versions],
          [2 + s],
          `${step.method}: versions answered by 2 × ${copies} submissions`,
        );
      });
      const after = (await store.getWithHistory(id))!;
      const conflict = await children[0]!.command("submitDuplicates", [
        steps.map((step) => ({ method: step.method, args: step.other, operationId: opId(step) })),
        1,
        1,
      ]);
      expectDeepEqual(
        (conflict as SubmissionOutcome[][]).flat(),
        steps.map(() => ({ code: "ERR_IDEMPOTENCY_CONFLICT" })),
        "every call under a used operation id with another payload",
      );
      expectDeepEqual(await store.getWithHistory(id), after, "the session after the conflicting requests");
      expectDeepEqual(
        await typeCounts(store, id),
        expectedCounts(steps),
        `events per type after 2 × ${copies} submissions of each call`,
      );
      expectEqual(after.version, 1 + steps.length, "version: one commit per operation");
      for (const child of children) {
        expectEqual(await child.command("closeManager", [10_000]), 0, "webhook deliveries left undelivered");
      }
      expectEqual(byKey.size, after.eventCount, "distinct webhook idempotency keys (one per event)");
      expectDeepEqual(
        [...byKey].filter(([, count]) => count !== 1).map(([key]) => `${key}: attempts ${attempts.get(key)}`),
        [],
        "webhook notifications (first attempts) per idempotency key other than exactly one",
      );
    },
  },
];
