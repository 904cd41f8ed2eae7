// The 48 behaviours the seed module's own test file checks (19 store, 29 manager), restated
// against the per-file entry points with only the imports changed: compat/manager for the
// lifecycle, compat/store for the storage layer, compat/types for the types. As in the seed's
// file, the sessions directory is removed before and after every test while the store stays
// configured (an operator clearing the folder); the next call must work regardless.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, createManualClock } from "@sessionkit/core";
import {
  addEvent,
  closeSessionStore,
  completeSession,
  configure,
  failSession,
  getActiveSessions,
  getCompletedSessions,
  getFailedSessions,
  getPausedSessions,
  getSessionContext,
  getSessionDuration,
  getSessionProgress,
  incrementIteration,
  isSessionResumable,
  pauseSession,
  recordLearning,
  recordToolCall,
  resumeSession,
  startSession,
} from "@sessionkit/store-fs/compat/manager";
import {
  cleanupOldSessions,
  createSession,
  deleteSession,
  getSession,
  getSessionStats,
  listSessions,
  updateSession,
} from "@sessionkit/store-fs/compat/store";
import type { AgentSession, SessionEvent } from "@sessionkit/store-fs/compat/types";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";

const parent = mkdtempSync(join(tmpdir(), "compat-seed-suite-"));
const SESSIONS_DIR = join(parent, "sessions");
// A manual clock instead of the seed's 100 ms sleeps: "time passes" without waiting for it.
const clock = createManualClock("2026-05-01T08:00:00.000Z");
configure({ dir: SESSIONS_DIR, clock: clock as Clock, webhookUrl: null });

function clearSessionsDir(): void {
  if (existsSync(SESSIONS_DIR)) rmSync(SESSIONS_DIR, { recursive: true, force: true });
}
beforeEach(clearSessionsDir);
afterEach(clearSessionsDir);
afterAll(async () => {
  await closeSessionStore();
  rmSync(parent, { recursive: true, force: true });
});

const hasEvent = (session: AgentSession | null, type: string) =>
  session?.history.some((event: SessionEvent) => event.type === type) ?? false;

describe("seed store.ts behaviours", () => {
  it("#01 createSession: active, 0 of 100 iterations, a session_ id and one start event", () => {
    const s = createSession({ task: "Write docs", mode: "developer" });
    expect(s.id).toMatch(/^session_/);
    expect(s).toMatchObject({ task: "Write docs", mode: "developer", status: "active", iterations: 0 });
    expect(s.maxIterations).toBe(100);
    expect(s.history.map((e) => e.type)).toEqual(["start"]);
  });

  it("#02 createSession keeps userId, channelId, workspace, maxIterations and context", () => {
    const s = createSession({
      task: "Review",
      mode: "code_review",
      userId: "u-7",
      channelId: "c-9",
      workspace: "/srv/repo",
      maxIterations: 12,
      context: { branch: "main" },
    });
    expect(s).toMatchObject({ userId: "u-7", channelId: "c-9", workspace: "/srv/repo", maxIterations: 12 });
    expect(s.context.branch).toBe("main");
  });

  it("#03 a created session is on disk and getSession reads it back", () => {
    const s = createSession({ task: "Persist me", mode: "developer" });
    expect(getSession(s.id)).toMatchObject({ id: s.id, task: "Persist me" });
  });

  it("#04 getSession of an unknown id is null", () => {
    expect(getSession("nonexistent")).toBeNull();
    expect(getSession("session_neverwritten")).toBeNull();
  });

  it("#05 getSession loads an existing session", () => {
    const s = createSession({ task: "Load", mode: "developer" });
    expect(getSession(s.id)?.id).toBe(s.id);
  });

  it("#06 updateSession sets the status", () => {
    const s = createSession({ task: "Status", mode: "developer" });
    expect(updateSession(s.id, { status: "paused" })?.status).toBe("paused");
  });

  it("#07 updateSession shallow-merges the context", () => {
    const s = createSession({ task: "Merge", mode: "developer", context: { a: 1 } });
    const updated = updateSession(s.id, { context: { b: 2 } });
    expect(updated?.context).toMatchObject({ a: 1, b: 2 });
  });

  it("#08 updateSession sets the iteration count", () => {
    const s = createSession({ task: "Count", mode: "developer" });
    expect(updateSession(s.id, { iterations: 5 })?.iterations).toBe(5);
  });

  it("#09 updateSession of an unknown id is null", () => {
    expect(updateSession("nonexistent", { status: "paused" })).toBeNull();
  });

  it("#10 listSessions lists every session", () => {
    for (const mode of ["developer", "code_review", "test_generation"]) createSession({ task: mode, mode });
    expect(listSessions()).toHaveLength(3);
  });

  it("#11 listSessions filters by userId", () => {
    for (const userId of ["ann", "bob", "ann"]) createSession({ task: "t", mode: "developer", userId });
    expect(listSessions({ userId: "ann" })).toHaveLength(2);
  });

  it("#12 listSessions filters by mode", () => {
    for (const mode of ["developer", "code_review", "developer"]) createSession({ task: "t", mode });
    expect(listSessions({ mode: "developer" })).toHaveLength(2);
  });

  it("#13 listSessions filters by status", () => {
    createSession({ task: "1", mode: "developer" });
    const two = createSession({ task: "2", mode: "developer" });
    const three = createSession({ task: "3", mode: "developer" });
    updateSession(two.id, { status: "paused" });
    updateSession(three.id, { status: "completed" });
    expect(listSessions({ status: "active" })).toHaveLength(1);
    expect(listSessions({ status: "paused" })).toHaveLength(1);
  });

  it("#14 listSessions pages with limit and offset", () => {
    for (let i = 0; i < 10; i++) createSession({ task: `t${i}`, mode: "developer" });
    const first = listSessions({ limit: 5, offset: 0 });
    const second = listSessions({ limit: 5, offset: 5 });
    expect(first).toHaveLength(5);
    expect(second).toHaveLength(5);
    expect(new Set([...first, ...second].map((s) => s.id)).size).toBe(10);
  });

  it("#15 deleteSession removes a session; getSession is then null", () => {
    const s = createSession({ task: "Delete", mode: "developer" });
    expect(deleteSession(s.id)).toBe(true);
    expect(getSession(s.id)).toBeNull();
  });

  it("#16 deleteSession of an unknown id is false", () => {
    expect(deleteSession("nonexistent")).toBe(false);
  });

  it("#17 cleanupOldSessions(0) never deletes an active session", () => {
    createSession({ task: "Running", mode: "developer" });
    expect(cleanupOldSessions(0)).toBe(0);
    expect(listSessions()).toHaveLength(1);
  });

  it("#18 cleanupOldSessions (milliseconds) deletes a finished session older than the age", () => {
    const s = createSession({ task: "Old", mode: "developer" });
    updateSession(s.id, { status: "completed" });
    clock.advance(100);
    expect(cleanupOldSessions(0.00001)).toBe(1);
    expect(listSessions()).toHaveLength(0);
  });

  it("#19 getSessionStats counts totals, statuses and modes", () => {
    createSession({ task: "1", mode: "developer" });
    const two = createSession({ task: "2", mode: "code_review" });
    const three = createSession({ task: "3", mode: "developer" });
    updateSession(two.id, { status: "paused" });
    updateSession(three.id, { status: "completed", iterations: 10 });
    const stats = getSessionStats();
    expect(stats.total).toBe(3);
    expect(stats.byStatus).toMatchObject({ active: 1, paused: 1, completed: 1 });
    expect(stats.byMode).toEqual({ developer: 2, code_review: 1 });
  });
});

describe("seed manager.ts behaviours", () => {
  it("#20 startSession returns an active session with the task and mode", async () => {
    const s = await startSession("Build it", "developer");
    expect(s).toMatchObject({ status: "active", task: "Build it", mode: "developer" });
  });

  it("#21 startSession writes a start event", async () => {
    const s = await startSession("Build it", "developer");
    expect(s.history.map((e) => e.type)).toEqual(["start"]);
  });

  it("#22 pauseSession pauses an active session; context.pauseReason shows the reason", async () => {
    const s = await startSession("Pause me", "developer");
    const paused = await pauseSession(s.id, "lunch");
    expect(paused?.status).toBe("paused");
    expect(paused?.context.pauseReason).toBe("lunch");
    expect(typeof paused?.context.pausedAt).toBe("string");
  });

  it("#23 pauseSession writes a pause event", async () => {
    const s = await startSession("Pause me", "developer");
    await pauseSession(s.id);
    expect(hasEvent(getSession(s.id), "pause")).toBe(true);
  });

  it("#24 pauseSession of a session that is not active rejects", async () => {
    const s = await startSession("Pause me", "developer");
    await pauseSession(s.id);
    await expect(pauseSession(s.id)).rejects.toThrow(/Cannot pause session in status: paused/);
  });

  it("#25 resumeSession makes a paused session active again", async () => {
    const s = await startSession("Resume me", "developer");
    await pauseSession(s.id);
    expect((await resumeSession(s.id))?.status).toBe("active");
  });

  it("#26 resumeSession writes a resume event", async () => {
    const s = await startSession("Resume me", "developer");
    await pauseSession(s.id);
    await resumeSession(s.id);
    expect(hasEvent(getSession(s.id), "resume")).toBe(true);
  });

  it("#27 after resumeSession, context.pauseReason is gone", async () => {
    const s = await startSession("Resume me", "developer");
    await pauseSession(s.id, "lunch");
    const resumed = await resumeSession(s.id);
    expect(resumed?.context.pauseReason).toBeUndefined();
    expect(resumed?.context.pausedAt).toBeUndefined();
  });

  it("#28 completeSession sets completed and the result", async () => {
    const s = await startSession("Finish", "developer");
    expect(await completeSession(s.id, "All good")).toMatchObject({
      status: "completed",
      result: "All good",
    });
  });

  it("#29 completeSession writes a complete event", async () => {
    const s = await startSession("Finish", "developer");
    await completeSession(s.id, "done");
    expect(hasEvent(getSession(s.id), "complete")).toBe(true);
  });

  it("#30 failSession sets failed and the error", async () => {
    const s = await startSession("Break", "developer");
    expect(await failSession(s.id, "It broke")).toMatchObject({ status: "failed", error: "It broke" });
  });

  it("#31 failSession writes an error event", async () => {
    const s = await startSession("Break", "developer");
    await failSession(s.id, "It broke");
    expect(hasEvent(getSession(s.id), "error")).toBe(true);
  });

  it("#32 addEvent appends an event and resolves true", async () => {
    const s = await startSession("Events", "developer");
    expect(await addEvent(s.id, "iteration", { step: 1 })).toBe(true);
    expect(hasEvent(getSession(s.id), "iteration")).toBe(true);
  });

  it("#33 incrementIteration counts iterations", async () => {
    const s = await startSession("Count", "developer");
    await incrementIteration(s.id);
    await incrementIteration(s.id);
    expect(getSession(s.id)?.iterations).toBe(2);
  });

  it("#34 reaching maxIterations times the session out", async () => {
    const s = await startSession("Bounded", "developer", { maxIterations: 3 });
    for (let i = 0; i < 3; i++) await incrementIteration(s.id);
    expect(getSession(s.id)?.status).toBe("timeout");
  });

  it("#35 recordToolCall stores a tool_call event naming the tool", async () => {
    const s = await startSession("Tools", "developer");
    await recordToolCall(s.id, "bash", { cmd: "ls" }, { output: "a b" });
    const event = getSession(s.id)?.history.find((e) => e.type === "tool_call");
    expect(event?.data.tool).toBe("bash");
  });

  it("#36 recordLearning stores a learning event with the insight", async () => {
    const s = await startSession("Learn", "developer");
    await recordLearning(s.id, "Prefer small commits", "/expertise/dev.md");
    const event = getSession(s.id)?.history.find((e) => e.type === "learning");
    expect(event?.data.insight).toBe("Prefer small commits");
  });

  it("#37 getSessionContext returns id, task, mode and the user's context", async () => {
    const s = await startSession("Context", "developer", { context: { ticket: "T-1" } });
    const ctx = getSessionContext(s.id);
    expect(ctx).toMatchObject({ sessionId: s.id, task: "Context", mode: "developer" });
    expect(ctx?.context.ticket).toBe("T-1");
  });

  it("#38 getSessionContext includes recent history", async () => {
    const s = await startSession("Context", "developer");
    await incrementIteration(s.id);
    await incrementIteration(s.id);
    expect(getSessionContext(s.id)?.recentHistory.length).toBeGreaterThan(0);
  });

  it("#39 getActiveSessions lists only active sessions", async () => {
    await startSession("a", "developer");
    const b = await startSession("b", "developer");
    await pauseSession(b.id);
    expect(getActiveSessions()).toHaveLength(1);
  });

  it("#40 getPausedSessions lists only paused sessions", async () => {
    const a = await startSession("a", "developer");
    await startSession("b", "developer");
    await pauseSession(a.id);
    expect(getPausedSessions()).toHaveLength(1);
  });

  it("#41 getCompletedSessions lists completed sessions", async () => {
    const a = await startSession("a", "developer");
    await completeSession(a.id, "ok");
    expect(getCompletedSessions()).toHaveLength(1);
  });

  it("#42 getFailedSessions lists failed sessions", async () => {
    const a = await startSession("a", "developer");
    await failSession(a.id, "no");
    expect(getFailedSessions()).toHaveLength(1);
  });

  it("#43 isSessionResumable is true for a paused session", async () => {
    const s = await startSession("r", "developer");
    await pauseSession(s.id);
    expect(isSessionResumable(s.id)).toBe(true);
  });

  it("#44 isSessionResumable is true for an active session", async () => {
    const s = await startSession("r", "developer");
    expect(isSessionResumable(s.id)).toBe(true);
  });

  it("#45 isSessionResumable is false for a completed session", async () => {
    const s = await startSession("r", "developer");
    await completeSession(s.id, "done");
    expect(isSessionResumable(s.id)).toBe(false);
  });

  it("#46 isSessionResumable is false for an unknown session", () => {
    expect(isSessionResumable("nonexistent")).toBe(false);
  });

  it("#47 getSessionDuration is positive once time has passed and the session changed", async () => {
    const s = await startSession("Timed", "developer");
    clock.advance(100);
    await incrementIteration(s.id);
    expect(getSessionDuration(s.id)).toBeGreaterThan(0);
  });

  it("#48 getSessionProgress is iterations / maxIterations × 100", async () => {
    const s = await startSession("Progress", "developer", { maxIterations: 10 });
    for (let i = 0; i < 3; i++) await incrementIteration(s.id);
    expect(getSessionProgress(s.id)).toBe(30);
  });
});
