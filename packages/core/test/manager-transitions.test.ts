import { describe, expect, it } from "vitest";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  isSessionKitError,
  type Session,
  type SessionManager,
  type SessionStatus,
  TRANSITION_TABLE,
} from "../src/index.js";
import { codeOf } from "./outcome.js";

function setup() {
  const clock = createManualClock("2026-11-24T10:00:00.000Z");
  const store = createMemoryStore({ clock });
  const manager = createSessionManager({ store });
  return { clock, store, manager };
}

async function inStatus(manager: SessionManager, status: SessionStatus): Promise<Session> {
  const session = await manager.start({ task: "t", mode: "m", maxIterations: status === "timeout" ? 1 : 5 });
  switch (status) {
    case "active":
      return session;
    case "paused":
      return manager.pause(session.id, "review");
    case "completed":
      return manager.complete(session.id, "done");
    case "failed":
      return manager.fail(session.id, "boom");
    case "timeout":
      return manager.incrementIteration(session.id);
  }
}

type Op = (manager: SessionManager, id: string) => Promise<Session>;

/** Every operation, and what it does from each status: the resulting status, or null if illegal. */
const ROWS: Array<{
  name: string;
  op: Op;
  event: string | null;
  to: Record<SessionStatus, SessionStatus | null | "noop">;
}> = [
  {
    name: "pause",
    op: (m, id) => m.pause(id, "why"),
    event: "pause",
    to: { active: "paused", paused: null, completed: null, failed: null, timeout: "paused" },
  },
  {
    name: "resume",
    op: (m, id) => m.resume(id),
    event: "resume",
    // From active: a no-op (tested below), so neither a transition nor a refusal.
    to: { active: "noop", paused: "active", completed: null, failed: null, timeout: null },
  },
  {
    name: "resume with extendIterations",
    op: (m, id) => m.resume(id, { extendIterations: 5 }),
    event: "resume",
    to: { active: null, paused: "active", completed: null, failed: null, timeout: "active" },
  },
  {
    name: "complete",
    op: (m, id) => m.complete(id, "ok"),
    event: "complete",
    to: { active: "completed", paused: "completed", completed: null, failed: null, timeout: null },
  },
  {
    name: "fail",
    op: (m, id) => m.fail(id, new Error("bad")),
    event: "error",
    to: { active: "failed", paused: "failed", completed: null, failed: null, timeout: null },
  },
  {
    name: "incrementIteration",
    op: (m, id) => m.incrementIteration(id, { step: 1 }),
    event: "iteration",
    to: { active: "active", paused: null, completed: null, failed: null, timeout: null },
  },
  {
    name: "recordToolCall",
    op: (m, id) => m.recordToolCall(id, "bash", { cmd: "ls" }, { code: 0 }),
    event: "tool_call",
    to: { active: "active", paused: "paused", completed: "completed", failed: "failed", timeout: "timeout" },
  },
  {
    name: "recordLearning",
    op: (m, id) => m.recordLearning(id, "insight", "expertise/dev.md"),
    event: "learning",
    to: { active: "active", paused: "paused", completed: "completed", failed: "failed", timeout: "timeout" },
  },
  {
    name: "addEvent (custom)",
    op: (m, id) => m.addEvent(id, "custom_event", { a: 1 }),
    event: "custom_event",
    to: { active: "active", paused: "paused", completed: "completed", failed: "failed", timeout: "timeout" },
  },
  {
    name: "updateContext",
    op: (m, id) => m.updateContext(id, { step: "x" }),
    event: "context",
    to: { active: "active", paused: "paused", completed: null, failed: null, timeout: null },
  },
];

const STATUSES: SessionStatus[] = ["active", "paused", "completed", "failed", "timeout"];

describe("transition table: every operation from every status", () => {
  for (const row of ROWS) {
    for (const from of STATUSES) {
      const to = row.to[from];
      if (to === "noop") continue;
      if (to !== null) {
        it(`${row.name} from ${from} → ${to}, writing a \`${row.event}\` event in the same commit`, async () => {
          const { manager } = setup();
          const before = await inStatus(manager, from);
          const after = await row.op(manager, before.id);
          expect(after.status).toBe(to);
          expect(after.version).toBe(before.version + 1);
          const full = await manager.getWithHistory(before.id);
          expect(full!.history.at(-1)!.type).toBe(row.event);
          expect(full).toMatchObject({ status: to, version: after.version });
          if (to === "completed" || to === "failed") expect(after.endedAt).toBeDefined();
          if (to === "active" || to === "paused") expect(after.endedAt).toBeUndefined();
        });
      } else {
        it(`${row.name} from ${from} fails with ERR_INVALID_TRANSITION and changes nothing`, async () => {
          const { manager } = setup();
          const before = await inStatus(manager, from);
          const history = (await manager.getWithHistory(before.id))!.history;
          let caught: unknown;
          await row.op(manager, before.id).catch((error) => {
            caught = error;
          });
          expect(isSessionKitError(caught, "ERR_INVALID_TRANSITION")).toBe(true);
          expect((caught as Error).message).toContain(`"${from}"`);
          expect((caught as { details: Record<string, unknown> }).details).toMatchObject({ status: from });
          const after = await manager.getWithHistory(before.id);
          expect(after).toEqual({ ...before, history });
        });
      }
    }
  }

  it("the exported TRANSITION_TABLE matches the rows tested here", () => {
    expect(TRANSITION_TABLE.pause).toEqual({ active: "paused", timeout: "paused" });
    expect(TRANSITION_TABLE.resume).toEqual({ active: "active", paused: "active", timeout: "active" });
    expect(TRANSITION_TABLE.complete).toEqual({ active: "completed", paused: "completed" });
    expect(TRANSITION_TABLE.fail).toEqual({ active: "failed", paused: "failed" });
    expect(Object.keys(TRANSITION_TABLE.iterate)).toEqual(["active"]);
    expect(TRANSITION_TABLE.record).toEqual({
      active: "active",
      paused: "paused",
      completed: "completed",
      failed: "failed",
      timeout: "timeout",
    });
    expect(Object.keys(TRANSITION_TABLE.context)).toEqual(["active", "paused"]);
  });

  it("resume of an active session returns it unchanged: no event, no new version", async () => {
    const { manager } = setup();
    const before = await manager.start({ task: "t", mode: "m" });
    expect(await manager.resume(before.id)).toEqual(before);
    expect(await manager.getWithHistory(before.id)).toMatchObject({ version: before.version, eventCount: 1 });
    expect(await codeOf(manager.resume(before.id, { extendIterations: 2 }))).toBe("ERR_INVALID_TRANSITION");
  });

  for (const from of ["completed", "failed", "timeout"] as const) {
    it(`an event-only record on a ${from} session keeps status, result, error, iterations and endedAt`, async () => {
      const { manager, clock } = setup();
      const before = await inStatus(manager, from);
      clock.advance(1000);
      await manager.recordToolCall(before.id, "late_tool", { a: 1 }, "r");
      await manager.recordLearning(before.id, "late insight");
      const after = await manager.addEvent(before.id, "audit_note", { n: 1 });
      const keep = [
        "status",
        "result",
        "error",
        "iterations",
        "maxIterations",
        "endedAt",
        "context",
      ] as const;
      for (const key of keep) expect(after[key]).toEqual(before[key]);
      expect(after.metadata?.toolsUsed).toEqual(["late_tool"]);
      const types = (await manager.getWithHistory(before.id))!.history.slice(-3).map((e) => e.type);
      expect(types).toEqual(["tool_call", "learning", "audit_note"]);
    });
  }
});

describe("isResumable agrees with resume", () => {
  for (const from of STATUSES) {
    for (const options of [undefined, { extendIterations: 3 }]) {
      it(`from ${from}${options ? " with extendIterations" : ""}`, async () => {
        const { manager } = setup();
        const session = await inStatus(manager, from);
        const predicted = await manager.isResumable(session.id, options);
        const outcome = await codeOf(manager.resume(session.id, options));
        expect(outcome).toBe(predicted ? "resolved" : "ERR_INVALID_TRANSITION");
      });
    }
  }

  it("isResumable of a missing session is false; resume of it is ERR_SESSION_NOT_FOUND", async () => {
    const { manager } = setup();
    expect(await manager.isResumable("session_missing")).toBe(false);
    expect(await codeOf(manager.resume("session_missing"))).toBe("ERR_SESSION_NOT_FOUND");
  });
});

describe("iteration budget", () => {
  it("the Nth increment with maxIterations N times out, with iteration and timeout events in one commit", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m", maxIterations: 3 });
    await manager.incrementIteration(s.id);
    const second = await manager.incrementIteration(s.id);
    expect(second.status).toBe("active");
    const third = await manager.incrementIteration(s.id, { last: true });
    expect(third).toMatchObject({ status: "timeout", iterations: 3, version: second.version + 1 });
    expect(third.endedAt).toBeDefined();
    const history = (await manager.getWithHistory(s.id))!.history;
    expect(history.map((e) => e.type)).toEqual(["start", "iteration", "iteration", "iteration", "timeout"]);
    expect(history.at(-1)!.data).toEqual({ reason: "iterations", iterations: 3, maxIterations: 3 });
    expect(await manager.progress(s.id)).toBe(100);
    expect(await codeOf(manager.incrementIteration(s.id))).toBe("ERR_INVALID_TRANSITION");
  });

  it("pause for review after a timeout, then resume with a raised budget (the seed README pattern)", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m", maxIterations: 2 });
    await manager.incrementIteration(s.id);
    const timedOut = await manager.incrementIteration(s.id);
    expect(timedOut.status).toBe("timeout");
    const paused = await manager.pause(s.id, "Max iterations reached");
    expect(paused).toMatchObject({ status: "paused", pause: { reason: "Max iterations reached" } });
    expect(paused.endedAt).toBeUndefined();
    expect(paused.context).toEqual({});
    expect(await manager.isResumable(s.id)).toBe(false);
    expect(await codeOf(manager.resume(s.id))).toBe("ERR_INVALID_TRANSITION");
    expect(await manager.isResumable(s.id, { extendIterations: 2 })).toBe(true);
    const resumed = await manager.resume(s.id, { extendIterations: 2 });
    expect(resumed).toMatchObject({ status: "active", maxIterations: 4, iterations: 2 });
    expect(resumed.pause).toBeUndefined();
    const history = (await manager.getWithHistory(s.id))!.history;
    expect(history.at(-2)).toMatchObject({
      type: "pause",
      data: { reason: "Max iterations reached", from: "timeout" },
    });
    expect(history.at(-1)).toMatchObject({ type: "resume", data: { maxIterations: 4 } });
  });

  it("resume with maxIterations not above the iterations done is refused", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m", maxIterations: 1 });
    await manager.incrementIteration(s.id);
    const error = await manager.resume(s.id, { maxIterations: 1 }).catch((e) => e);
    expect(isSessionKitError(error, "ERR_INVALID_TRANSITION")).toBe(true);
    expect(error.message).toContain("extendIterations");
    expect((await manager.get(s.id))!.status).toBe("timeout");
  });
});

describe("wall-clock deadline", () => {
  it("a mutation after the deadline commits timeout with a `timeout` event, then refuses the operation", async () => {
    const { manager, clock } = setup();
    const s = await manager.start({ task: "t", mode: "m", timeoutMs: 60_000 });
    expect(s.deadlineAt).toBe("2026-11-24T10:01:00.000Z");
    clock.advance(30_000);
    await manager.incrementIteration(s.id);
    clock.advance(30_000);
    const error = await manager.incrementIteration(s.id).catch((e) => e);
    expect(isSessionKitError(error, "ERR_INVALID_TRANSITION")).toBe(true);
    const after = await manager.getWithHistory(s.id);
    expect(after).toMatchObject({ status: "timeout", iterations: 1, endedAt: "2026-11-24T10:01:00.000Z" });
    expect(after!.history.at(-1)).toMatchObject({
      type: "timeout",
      data: { reason: "deadline", deadlineAt: "2026-11-24T10:01:00.000Z" },
    });
  });

  it("a paused session past its deadline times out too; resume needs a later deadline", async () => {
    const { manager, clock } = setup();
    const s = await manager.start({ task: "t", mode: "m", deadlineAt: "2026-11-24T11:00:00.000Z" });
    await manager.pause(s.id);
    clock.set("2026-11-24T12:00:00.000Z");
    expect(await manager.isResumable(s.id)).toBe(false);
    expect(await codeOf(manager.resume(s.id))).toBe("ERR_INVALID_TRANSITION");
    expect((await manager.get(s.id))!.status).toBe("timeout");
    const resumed = await manager.resume(s.id, { deadlineAt: "2026-11-24T13:00:00.000Z" });
    expect(resumed).toMatchObject({ status: "active", deadlineAt: "2026-11-24T13:00:00.000Z" });
    const removed = await manager.pause(s.id).then(() => manager.resume(s.id, { deadlineAt: null }));
    expect(removed.deadlineAt).toBeUndefined();
  });

  it("deadline and resume in one call: timeout and resume events are committed together", async () => {
    const { manager, clock } = setup();
    const s = await manager.start({ task: "t", mode: "m", timeoutMs: 1000 });
    clock.advance(5000);
    const resumed = await manager.resume(s.id, { deadlineAt: clock.now() + 1000 });
    expect(resumed.status).toBe("active");
    const types = (await manager.getWithHistory(s.id))!.history.map((e) => e.type);
    expect(types).toEqual(["start", "timeout", "resume"]);
  });

  it("start refuses a deadline in the past, and deadlineAt together with timeoutMs", async () => {
    const { manager } = setup();
    expect(await codeOf(manager.start({ task: "t", mode: "m", deadlineAt: "2020-01-01T00:00:00Z" }))).toBe(
      "ERR_INVALID_INPUT",
    );
    expect(
      await codeOf(manager.start({ task: "t", mode: "m", deadlineAt: "2030-01-01T00:00:00Z", timeoutMs: 5 })),
    ).toBe("ERR_INVALID_INPUT");
  });
});
