import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { SessionManager, SessionStore } from "@sessionkit/core";
import { expectCode, expectDeepEqual, expectEqual, freshId } from "../assertions.js";
import type { CaseDefinition, CaseEnv } from "../case.js";
import type { Submission, SubmissionOutcome } from "../child-manager.js";
import { managerOf } from "./manager-helpers.js";

/**
 * Every mutating manager call once, in an order each is legal in, with the event type it writes
 * and another payload under the same operation id. `args` fill every positional parameter, so
 * the call options (`{ operationId }`) can follow them.
 */
function script(id: string) {
  return [
    { method: "addEvent", args: [id, "note", { n: 1 }], other: [id, "note", { n: 2 }], type: "note" },
    { method: "updateContext", args: [id, { k: 1 }], other: [id, { k: 2 }], type: "context" },
    {
      method: "incrementIteration",
      args: [id, { step: 1 }, undefined],
      other: [id, { step: 2 }, undefined],
      type: "iteration",
    },
    {
      method: "recordToolCall",
      args: [id, "grep", { q: 1 }, { hits: 1 }],
      other: [id, "sed", { q: 1 }, { hits: 1 }],
      type: "tool_call",
    },
    {
      method: "recordLearning",
      args: [id, "insight", undefined],
      other: [id, "another", undefined],
      type: "learning",
    },
    { method: "pause", args: [id, "break"], other: [id, "other"], type: "pause" },
    { method: "resume", args: [id, undefined], other: [id, { extendIterations: 1 }], type: "resume" },
    { method: "complete", args: [id, "done"], other: [id, "other"], type: "complete" },
  ];
}

type Step = ReturnType<typeof script>[number];
const opId = (step: Step) => `op-${step.method}`;

function call(manager: SessionManager, step: Step, args: unknown[] = step.args) {
  const fn = (manager as unknown as Record<string, (...a: unknown[]) => Promise<{ version: number }>>)[
    step.method
  ]!;
  return fn.apply(manager, [...args, { operationId: opId(step) }]);
}

/** Counts of each event type in the history. */
async function typeCounts(store: SessionStore, id: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const event of await store.readEvents(id)) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return counts;
}

function expectedCounts(steps: Step[]): Record<string, number> {
  const counts: Record<string, number> = { start: 1 };
  for (const step of steps) counts[step.type] = (counts[step.type] ?? 0) + 1;
  return counts;
}

/** A real 127.0.0.1 receiver counting deliveries per idempotency key (x-sessionkit-id). */
async function receiver(env: CaseEnv) {
  const byKey = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const key = String(req.headers["x-sessionkit-id"]);
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  env.ctx.onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, byKey };
}

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
      "2 processes × 20 duplicate submissions of each call with the same operationId: exactly one effect, one event and one webhook delivery (real 127.0.0.1 receiver) per id; another payload under it: ERR_IDEMPOTENCY_CONFLICT, 0 partial writes",
    requires: ["idempotency", "multiProcess", "child"],
    async run(env) {
      const store = await env.open();
      const { url, byKey } = await receiver(env);
      const options = { webhooks: { url, events: ["*"], backoff: { baseMs: 5, maxMs: 20 } } };
      const children = await Promise.all([env.child(), env.child()]);
      for (const child of children) await child.command("manager", [options]);
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
      const copies = 20;
      const answers = (await Promise.all(
        children.map((child) => child.command("submitDuplicates", [submissions, copies, 4])),
      )) as SubmissionOutcome[][][];
      answers.forEach((perStep, c) => {
        perStep.forEach((outcomes, s) => {
          const codes = outcomes.filter((o): o is { code: string } => "code" in o).map((o) => o.code);
          expectDeepEqual(codes, [], `process ${c}, ${steps[s]!.method}: codes of refused duplicates`);
        });
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
      const deliveries = [...byKey.values()];
      expectEqual(byKey.size, after.eventCount, "distinct webhook idempotency keys (one per event)");
      expectDeepEqual(
        deliveries.filter((count) => count !== 1),
        [],
        "webhook deliveries per idempotency key other than exactly one",
      );
    },
  },
];
