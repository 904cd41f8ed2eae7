import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { SessionManager, SessionStore } from "@sessionkit/core";
import type { CaseEnv } from "../case.js";

// The calls and checks the SS-IDEM cases share.

/**
 * Every mutating manager call once, in an order each is legal in, with the event type it writes
 * and another payload under the same operation id. `args` fill every positional parameter, so
 * the call options (`{ operationId }`) can follow them.
 */
export function script(id: string) {
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

export type Step = ReturnType<typeof script>[number];
export const opId = (step: Step) => `op-${step.method}`;

export function call(manager: SessionManager, step: Step, args: unknown[] = step.args) {
  const fn = (manager as unknown as Record<string, (...a: unknown[]) => Promise<{ version: number }>>)[
    step.method
  ]!;
  return fn.apply(manager, [...args, { operationId: opId(step) }]);
}

/** Counts of each event type in the history. */
export async function typeCounts(store: SessionStore, id: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const event of await store.readEvents(id)) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return counts;
}

export function expectedCounts(steps: Step[]): Record<string, number> {
  const counts: Record<string, number> = { start: 1 };
  for (const step of steps) counts[step.type] = (counts[step.type] ?? 0) + 1;
  return counts;
}

/**
 * A real 127.0.0.1 receiver counting notifications per idempotency key (x-sessionkit-id): first
 * attempts only, since a retry of an attempt that timed out on a loaded machine (the dispatcher's
 * at-least-once delivery, which the key exists for) is the same notification. `attempts` keeps
 * every attempt number seen per key.
 */
export async function receiver(env: CaseEnv) {
  const byKey = new Map<string, number>();
  const attempts = new Map<string, string[]>();
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const key = String(req.headers["x-sessionkit-id"]);
      const attempt = String(req.headers["x-sessionkit-attempt"]);
      attempts.set(key, [...(attempts.get(key) ?? []), attempt]);
      if (attempt === "1") byKey.set(key, (byKey.get(key) ?? 0) + 1);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  env.ctx.onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, byKey, attempts };
}
