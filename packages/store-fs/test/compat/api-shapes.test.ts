import * as compat from "@sessionkit/store-fs/compat";
import {
  addEvent,
  cleanupOldSessions,
  cleanupSessions,
  completeSession,
  createSession,
  deleteSession,
  exportSession,
  failSession,
  findSessions,
  getActiveSessions,
  getCompletedSessions,
  getFailedSessions,
  getPausedSessions,
  getSession,
  getSessionContext,
  getSessionDuration,
  getSessionProgress,
  getSessionStats,
  getStats,
  importSession,
  incrementIteration,
  isSessionResumable,
  listSessions,
  loadSession,
  pauseSession,
  recordLearning,
  recordToolCall,
  removeSession,
  resumeSession,
  saveSession,
  startSession,
  updateContext,
  updateSession,
} from "@sessionkit/store-fs/compat";
import { describe, expect, it } from "vitest";
import { useFreshStore } from "./helpers.js";

const MISSING = "session_doesnotexist";

describe("the seed's names, arguments and sync/async shape", () => {
  it("exports every name of the seed's index.ts, aliases included", () => {
    const names = [
      "startSession",
      "pauseSession",
      "resumeSession",
      "completeSession",
      "failSession",
      "addEvent",
      "incrementIteration",
      "recordToolCall",
      "recordLearning",
      "updateContext",
      "getSessionContext",
      "isSessionResumable",
      "getActiveSessions",
      "getPausedSessions",
      "getCompletedSessions",
      "getFailedSessions",
      "getSessionDuration",
      "getSessionProgress",
      "configureWebhook",
      "cleanupSessions",
      "removeSession",
      "loadSession",
      "getStats",
      "findSessions",
      "cleanupOldSessions",
      "createSession",
      "deleteSession",
      "exportSession",
      "getSession",
      "getSessionStats",
      "importSession",
      "listSessions",
      "saveSession",
      "updateSession",
      "configure",
    ];
    for (const name of names) expect(typeof (compat as Record<string, unknown>)[name], name).toBe("function");
    expect(loadSession).toBe(getSession);
    expect(removeSession).toBe(deleteSession);
    expect(getStats).toBe(getSessionStats);
    expect(findSessions).toBe(listSessions);
    expect(cleanupSessions).not.toBe(cleanupOldSessions);
  });

  it("lifecycle and event functions return promises; queries return plain values", async () => {
    useFreshStore();
    const started = startSession("t", "m", { userId: "u" });
    expect(started).toBeInstanceOf(Promise);
    const { id } = await started;
    for (const value of [
      getSession(id),
      listSessions(),
      getSessionStats(),
      getSessionContext(id),
      isSessionResumable(id),
      getActiveSessions(),
      getSessionDuration(id),
      getSessionProgress(id),
      updateContext(id, { a: 1 }),
      exportSession(id),
      cleanupSessions(30),
      cleanupOldSessions(86_400_000),
    ]) {
      expect(value).not.toBeInstanceOf(Promise);
    }
    for (const value of [
      incrementIteration(id),
      recordToolCall(id, "t", {}, {}),
      recordLearning(id, "i", "f"),
      addEvent(id, "note"),
    ]) {
      expect(value).toBeInstanceOf(Promise);
      expect(await value).toBe(true);
    }
  });

  it("a missing session gives null or false where the seed did", async () => {
    useFreshStore();
    expect(getSession(MISSING)).toBeNull();
    expect(await pauseSession(MISSING)).toBeNull();
    expect(await resumeSession(MISSING)).toBeNull();
    expect(await completeSession(MISSING, "r")).toBeNull();
    expect(await failSession(MISSING, "e")).toBeNull();
    expect(await addEvent(MISSING, "x")).toBe(false);
    expect(await incrementIteration(MISSING)).toBe(false);
    expect(await recordToolCall(MISSING, "t", {}, {})).toBe(false);
    expect(await recordLearning(MISSING, "i", "f")).toBe(false);
    expect(updateContext(MISSING, {})).toBeNull();
    expect(updateSession(MISSING, { iterations: 1 })).toBeNull();
    expect(getSessionContext(MISSING)).toBeNull();
    expect(isSessionResumable(MISSING)).toBe(false);
    expect(getSessionDuration(MISSING)).toBeNull();
    expect(getSessionProgress(MISSING)).toBeNull();
    expect(exportSession(MISSING)).toBeNull();
    expect(deleteSession(MISSING)).toBe(false);
    expect(importSession("{not json")).toBeNull();
  });
});

describe("return shapes", () => {
  it("startSession returns the seed's AgentSession with its start event", async () => {
    const { clock } = useFreshStore();
    const session = await startSession("Implement X", "developer", {
      userId: "u1",
      channelId: "c1",
      workspace: "/w",
      maxIterations: 5,
      context: { priority: "high" },
      metadata: { model: "m" },
    });
    const at = new Date(clock.now()).toISOString();
    expect(session).toMatchObject({
      userId: "u1",
      channelId: "c1",
      mode: "developer",
      task: "Implement X",
      workspace: "/w",
      status: "active",
      createdAt: at,
      updatedAt: at,
      iterations: 0,
      maxIterations: 5,
      context: { priority: "high" },
      metadata: { model: "m" },
    });
    expect(session.history).toEqual([
      {
        seq: 1,
        timestamp: at,
        type: "start",
        data: { task: "Implement X", mode: "developer", workspace: "/w" },
      },
    ]);
    expect(session.result).toBeUndefined();
  });

  it("listSessions returns summaries without history or context; stats have the seed's keys", async () => {
    useFreshStore();
    const a = await startSession("a", "developer", { userId: "u" });
    const b = await startSession("b", "review", { userId: "u" });
    await completeSession(a.id, "ok");
    await pauseSession(b.id);
    const [summary] = listSessions({ status: "completed" });
    expect(summary).toMatchObject({
      id: a.id,
      mode: "developer",
      status: "completed",
      task: "a",
      userId: "u",
      iterations: 0,
      maxIterations: 100,
    });
    expect(summary).not.toHaveProperty("history");
    expect(summary).not.toHaveProperty("context");
    expect(getPausedSessions().map((s) => s.id)).toEqual([b.id]);
    expect(getCompletedSessions().map((s) => s.id)).toEqual([a.id]);
    expect(getFailedSessions()).toEqual([]);
    expect(getStats()).toEqual({
      total: 2,
      byStatus: { active: 0, paused: 1, completed: 1, failed: 0, timeout: 0 },
      byMode: { developer: 1, review: 1 },
      averageIterations: 0,
      successRate: 50,
    });
    expect(getStats({ limit: 1 })).toMatchObject({ total: 1 });
  });

  it("getSessionContext keeps the last 10 events, oldest first", async () => {
    useFreshStore();
    const { id } = await startSession("t", "m");
    for (let i = 0; i < 15; i++) await incrementIteration(id, { i });
    const context = getSessionContext(id)!;
    expect(Object.keys(context).sort()).toEqual(
      [
        "sessionId",
        "task",
        "mode",
        "iterations",
        "maxIterations",
        "context",
        "recentHistory",
        "status",
      ].sort(),
    );
    expect(context.recentHistory.map((e) => e.data.i)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it("duration and progress", async () => {
    const { clock } = useFreshStore();
    const { id } = await startSession("t", "m", { maxIterations: 4 });
    clock.advance(1500);
    await incrementIteration(id);
    expect(getSessionDuration(id)).toBe(1500);
    expect(getSessionProgress(id)).toBe(25);
  });
});

describe("store-level writes", () => {
  it("createSession / updateSession / saveSession edit state synchronously; saveSession appends new events", () => {
    const { clock } = useFreshStore();
    const created = createSession({ task: "t", mode: "m", context: { a: 1 } });
    expect(created.history.map((e) => e.type)).toEqual(["start"]);
    clock.advance(10);
    const updated = updateSession(created.id, { iterations: 2, context: { b: 2 }, metadata: { cost: 1 } })!;
    expect(updated).toMatchObject({ iterations: 2, context: { a: 1, b: 2 }, metadata: { cost: 1 } });
    const session = getSession(created.id)!;
    session.task = "renamed";
    session.history.push({ timestamp: "ignored", type: "custom_event", data: { n: 1 } });
    clock.advance(10);
    saveSession(session);
    expect(session.updatedAt).toBe(new Date(clock.now()).toISOString());
    expect(session.history[1]!.seq).toBe(2);
    saveSession(session);
    const stored = getSession(created.id)!;
    expect(stored.task).toBe("renamed");
    expect(stored.history.map((e) => e.type)).toEqual(["start", "custom_event"]);
    expect(() => saveSession({ ...stored, id: "../x" })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ID" }),
    );
  });

  it("exportSession and importSession round-trip exactly, and read the seed's export format", async () => {
    useFreshStore();
    const { id } = await startSession("t", "m", { context: { k: "v" } });
    await pauseSession(id, "why");
    const json = exportSession(id)!;
    const before = getSession(id);
    expect(JSON.parse(json)).toEqual(before);
    expect(deleteSession(id)).toBe(true);
    expect(importSession(json)).toEqual(before);
    expect(getSession(id)).toEqual(before);
    const seedExport = JSON.stringify(
      {
        id: "session_mwubpbhw_abcdefg",
        mode: "m",
        task: "from the seed",
        status: "paused",
        createdAt: "2025-10-01T09:00:00.000Z",
        updatedAt: "2025-10-01T09:05:00.000Z",
        iterations: 1,
        maxIterations: 10,
        context: { pausedAt: "2025-10-01T09:05:00.000Z", pauseReason: "r", keep: true },
        history: [
          {
            timestamp: "2025-10-01T09:00:00.000Z",
            type: "start",
            data: { task: "from the seed", mode: "m" },
          },
        ],
      },
      null,
      2,
    );
    expect(importSession(seedExport)).toMatchObject({
      id: "session_mwubpbhw_abcdefg",
      context: { keep: true },
      pause: { at: "2025-10-01T09:05:00.000Z", reason: "r" },
      history: [{ seq: 1, type: "start" }],
    });
    expect(isSessionResumable("session_mwubpbhw_abcdefg")).toBe(true);
  });
});
