import { describe, expect, it } from "vitest";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  isSessionResumable,
  type Session,
  sessionDuration,
  sessionProgress,
} from "../src/index.js";

function setup() {
  const clock = createManualClock("2026-11-24T10:00:00.000Z");
  const store = createMemoryStore({ clock });
  return { clock, store, manager: createSessionManager({ store }) };
}

describe("the manager's pure session facts (the drop-in uses these, never copies)", () => {
  it("sessionProgress is iterations / maxIterations × 100, capped unless { capped: false } (the seed's number)", () => {
    expect(sessionProgress({ iterations: 3, maxIterations: 8 })).toBe(37.5);
    expect(sessionProgress({ iterations: 15, maxIterations: 10 })).toBe(100);
    expect(sessionProgress({ iterations: 15, maxIterations: 10 }, { capped: false })).toBe(150);
  });

  it("sessionDuration counts to endedAt, or to now while running, and ignores late events", async () => {
    const { clock, manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    clock.advance(700);
    expect(sessionDuration((await manager.get(s.id))!, clock.now())).toBe(700);
    const done = await manager.complete(s.id, "ok");
    clock.advance(5000);
    const late = await manager.recordToolCall(s.id, "late");
    expect(Date.parse(late.updatedAt) - Date.parse(late.createdAt)).toBe(5700);
    expect(sessionDuration(late, clock.now())).toBe(700);
    expect(await manager.duration(s.id)).toBe(sessionDuration(done, clock.now()));
  });

  it("isSessionResumable: active and paused yes, completed no, timeout only with a raised budget", async () => {
    const { clock, manager } = setup();
    const nowMs = clock.now();
    const active = await manager.start({ task: "t", mode: "m", maxIterations: 1 });
    expect(isSessionResumable(active, { nowMs })).toBe(true);
    const paused = await manager.pause((await manager.start({ task: "t", mode: "m" })).id);
    expect(isSessionResumable(paused, { nowMs })).toBe(true);
    const timedOut = await manager.incrementIteration(active.id);
    expect(timedOut.status).toBe("timeout");
    expect(isSessionResumable(timedOut, { nowMs })).toBe(false);
    expect(isSessionResumable(timedOut, { nowMs, extendIterations: 1 })).toBe(true);
    const completed: Session = await manager.complete(paused.id);
    expect(isSessionResumable(completed, { nowMs })).toBe(false);
    expect(await manager.isResumable(active.id, { extendIterations: 1 })).toBe(true);
  });
});
