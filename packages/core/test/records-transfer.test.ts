import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, RECORD_SCHEMA_VERSION } from "../src/driver-entry.js";
import {
  copySessions,
  createManualClock,
  createMemoryStore,
  exportSessions,
  importSessions,
  isSessionKitError,
} from "../src/index.js";

function seedRecord(overrides: Record<string, unknown> = {}) {
  return {
    id: "session_mwubpbhw_j8g9z5l",
    userId: "user123",
    mode: "developer",
    task: "Implement feature X",
    status: "paused",
    createdAt: "2026-11-20T10:00:00.000Z",
    updatedAt: "2026-11-20T10:05:00.000Z",
    iterations: 2,
    maxIterations: 50,
    context: { priority: "high", pausedAt: "2026-11-20T10:05:00.000Z", pauseReason: "User requested pause" },
    history: [
      {
        timestamp: "2026-11-20T10:00:00.000Z",
        type: "start",
        data: { task: "Implement feature X", mode: "developer" },
      },
      { timestamp: "2026-11-20T10:01:00.000Z", type: "iteration", data: { phase: "analysis" } },
      { timestamp: "2026-11-20T10:05:00.000Z", type: "pause", data: { reason: "User requested pause" } },
    ],
    ...overrides,
  };
}

describe("record versions", () => {
  it("upgrades a seed session.json: history numbered from 1, pause details moved out of context", () => {
    const decoded = decodeRecord(seedRecord(), "session_mwubpbhw_j8g9z5l");
    expect(decoded.schemaVersion).toBe(1);
    expect(decoded.session).toMatchObject({
      version: 1,
      eventCount: 3,
      status: "paused",
      context: { priority: "high" },
    });
    expect(decoded.session.pause).toEqual({ at: "2026-11-20T10:05:00.000Z", reason: "User requested pause" });
    expect(decoded.legacyHistory?.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("round-trips the current schema through encodeRecord", () => {
    const { session } = decodeRecord(
      seedRecord({ status: "completed", result: "done" }),
      "session_mwubpbhw_j8g9z5l",
    );
    const again = decodeRecord(JSON.parse(JSON.stringify(encodeRecord(session))), session.id);
    expect(again.session).toEqual(session);
    expect(again.session.endedAt).toBe("2026-11-20T10:05:00.000Z");
  });

  it("refuses an unknown newer schema version with ERR_UNSUPPORTED_RECORD_VERSION", () => {
    const { session } = decodeRecord(seedRecord(), "session_mwubpbhw_j8g9z5l");
    const future = { ...encodeRecord(session), schemaVersion: RECORD_SCHEMA_VERSION + 1 };
    expect(() => decodeRecord(future, session.id)).toThrow(
      expect.objectContaining({ code: "ERR_UNSUPPORTED_RECORD_VERSION" }),
    );
  });

  it("fails closed on damaged records, naming the id", () => {
    for (const raw of [
      null,
      [],
      "text",
      { id: "session_mwubpbhw_j8g9z5l" },
      seedRecord({ status: "weird" }),
      seedRecord({ id: "session_other" }),
    ]) {
      try {
        decodeRecord(raw, "session_mwubpbhw_j8g9z5l");
        expect.unreachable("decodeRecord accepted a damaged record");
      } catch (error) {
        expect(isSessionKitError(error, "ERR_CORRUPT_RECORD")).toBe(true);
        expect((error as Error).message).toContain("session_mwubpbhw_j8g9z5l");
      }
    }
  });
});

describe("export and import (JSON Lines)", () => {
  it("copies every session with its history exactly between stores", async () => {
    const from = createMemoryStore({ clock: createManualClock("2026-01-01T00:00:00.000Z") });
    for (let i = 0; i < 7; i++) {
      const { session } = await from.create(
        { mode: "m", task: `t${i}`, context: { s: "\u0000\ud800" } },
        { events: [{ type: "start" }] },
      );
      for (let n = 0; n < i; n++)
        await from.commit(session.id, { events: [{ type: "iteration", data: { n } }] });
    }
    const to = createMemoryStore({ clock: createManualClock("2030-01-01T00:00:00.000Z") });
    const progress: number[] = [];
    const totals = await copySessions(from, to, { onProgress: (p) => progress.push(p.sessions) });
    expect(totals).toEqual({ sessions: 7, events: 7 + 21 });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const summary of (await from.list({ limit: 100 })).items) {
      expect(await to.getWithHistory(summary.id)).toEqual(await from.getWithHistory(summary.id));
    }
    expect(await to.stats()).toEqual(await from.stats());
  });

  it("writes a versioned header and refuses foreign or newer files", async () => {
    const store = createMemoryStore();
    const lines: string[] = [];
    for await (const line of exportSessions(store)) lines.push(line);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      format: "sessionkit-export",
      version: 1,
      source: "store-memory",
    });
    await expect(importSessions(store, ['{"hello":1}'])).rejects.toMatchObject({ code: "ERR_INVALID_INPUT" });
    await expect(
      importSessions(store, ['{"format":"sessionkit-export","version":99}']),
    ).rejects.toMatchObject({
      code: "ERR_UNSUPPORTED_RECORD_VERSION",
    });
    await expect(importSessions(store, [])).rejects.toMatchObject({ code: "ERR_INVALID_INPUT" });
  });
});
