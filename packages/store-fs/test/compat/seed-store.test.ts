import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Clock, createManualClock } from "@sessionkit/core";
import {
  cleanupSessions,
  closeSessionStore,
  completeSession,
  configure,
  findSessions,
  getActiveSessions,
  getSession,
  getSessionContext,
  getStats,
  incrementIteration,
  isSessionResumable,
  listCorruptSessions,
  listSessions,
  removeSession,
  resumeSession,
} from "@sessionkit/store-fs/compat";
import { describe, expect, it, vi } from "vitest";
import { tempDir } from "./helpers.js";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "seed-store");
const ACTIVE = "session_mwubpbhw_j8g9z5l";
const PAUSED = "session_mwubq1aa_p4k2m9x";
const COMPLETED = "session_mwubr2bb_c0mpl3t";
const FAILED = "session_mwubs3cc_f41l3d0";
const TIMEOUT = "session_mwubt4dd_t1m30ut";
const CORRUPT = "session_mwubu5ee_c0rrupt";

function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(path.slice(dir.length + 1), readFileSync(path, "utf8"));
    }
  }
  return files;
}

describe("a sessions directory written by the seed module, opened by the drop-in as it is", () => {
  it("lists, filters, counts, resumes and completes the paused session, upgrading only its file", async () => {
    const dir = join(tempDir("seed-store-"), "sessions");
    cpSync(fixture, dir, { recursive: true });
    const before = snapshot(dir);
    const clock = createManualClock("2025-10-05T00:00:00.000Z");
    configure({ dir, clock: clock as Clock });
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);

    // Listed newest first; the truncated file and the non-session entries are not sessions.
    expect(listSessions().map((s) => s.id)).toEqual([PAUSED, ACTIVE, TIMEOUT, FAILED, COMPLETED]);
    expect(logged.mock.calls.flat().join(" ")).toContain(CORRUPT);
    expect(listCorruptSessions()).toEqual([
      expect.objectContaining({ id: CORRUPT, code: "ERR_CORRUPT_RECORD" }),
    ]);
    logged.mockRestore();

    expect(getActiveSessions({ userId: "user123" }).map((s) => s.id)).toEqual([ACTIVE]);
    expect(findSessions({ userId: "user123", status: ["active", "paused"] }).map((s) => s.id)).toEqual([
      PAUSED,
      ACTIVE,
    ]);
    expect(findSessions({ mode: "developer", limit: 1, offset: 1 }).map((s) => s.id)).toEqual([ACTIVE]);
    expect(getStats()).toEqual({
      total: 5,
      byStatus: { active: 1, paused: 1, completed: 1, failed: 1, timeout: 1 },
      byMode: { code_review: 1, developer: 3, research: 1 },
      averageIterations: 1.8,
      successRate: 20,
    });

    // The seed's pause details live in `pause`; the context shows them as the seed did, as a view.
    const userContext = {
      currentPhase: "implementation",
      completedSteps: ["analysis", "planning"],
      nextStep: "write_tests",
    };
    const paused = getSession(PAUSED)!;
    expect(paused.context).toEqual({
      ...userContext,
      pausedAt: "2025-10-02T10:30:00.000Z",
      pauseReason: "User requested pause",
    });
    expect(paused.pause).toEqual({ at: "2025-10-02T10:30:00.000Z", reason: "User requested pause" });
    expect(paused.history.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(getSession(COMPLETED)).toMatchObject({ status: "completed", result: "LGTM with two nits" });
    expect(getSession(FAILED)).toMatchObject({ status: "failed", error: "Build failed" });
    expect(getSessionContext(PAUSED)).toMatchObject({ sessionId: PAUSED, iterations: 3, maxIterations: 20 });
    expect(() => getSession(CORRUPT)).toThrow(expect.objectContaining({ code: "ERR_CORRUPT_RECORD" }));

    expect(isSessionResumable(PAUSED)).toBe(true);
    clock.advance(60_000);
    const resumed = await resumeSession(PAUSED);
    expect(resumed).toMatchObject({ status: "active", context: userContext });
    expect(resumed!.history.at(-1)).toMatchObject({
      type: "resume",
      data: {
        pausedDuration: Date.parse("2025-10-05T00:01:00.000Z") - Date.parse("2025-10-02T10:30:00.000Z"),
      },
    });
    expect(await incrementIteration(PAUSED, { phase: "testing" })).toBe(true);
    const done = await completeSession(PAUSED, "Refactored");
    expect(done).toMatchObject({ status: "completed", result: "Refactored", iterations: 4 });
    expect(done!.history.map((e) => e.type)).toEqual([
      "start",
      "iteration",
      "tool_call",
      "iteration",
      "iteration",
      "pause",
      "resume",
      "iteration",
      "complete",
    ]);

    // Only the session that changed was rewritten; every other file is byte-identical.
    const after = snapshot(dir);
    for (const [path, text] of before) {
      if (path.startsWith(PAUSED)) continue;
      expect(after.get(path), path).toBe(text);
    }
    const upgraded = JSON.parse(readFileSync(join(dir, PAUSED, "session.json"), "utf8"));
    expect(upgraded).toMatchObject({ id: PAUSED, status: "completed", context: userContext });

    // A new handle reads the upgraded session back, history and all.
    await closeSessionStore();
    configure({ dir, clock: clock as Clock });
    expect(getSession(PAUSED)).toEqual(done);

    // Old finished sessions go; the corrupt one is removable by id.
    expect(cleanupSessions(30)).toBe(3);
    expect(listSessions().map((s) => s.id)).toEqual([PAUSED, ACTIVE]);
    expect(removeSession(CORRUPT)).toBe(true);
    expect(existsSync(join(dir, CORRUPT))).toBe(false);
    expect(existsSync(join(dir, "backup", "notes.txt"))).toBe(true);
  });
});
