import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createManualClock } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { describe, expect, it } from "vitest";
import { codeOf, tempDir } from "./helpers.js";

/** Writes a session the way the seed module did: pretty JSON, history inside, no schemaVersion. */
function writeSeed(dir: string, session: Record<string, unknown>): void {
  mkdirSync(join(dir, session.id as string), { recursive: true });
  writeFileSync(join(dir, session.id as string, "session.json"), JSON.stringify(session, null, 2));
}

function seedFixtures(dir: string) {
  const active = {
    id: "session_mwubpbhw_j8g9z5l",
    userId: "user-1",
    channelId: "chan-1",
    mode: "openhands",
    task: "Fix the login bug",
    workspace: "/repo",
    status: "active",
    createdAt: "2026-11-20T10:00:00.000Z",
    updatedAt: "2026-11-20T10:05:00.000Z",
    iterations: 2,
    maxIterations: 50,
    context: { branch: "fix/login" },
    history: [
      {
        timestamp: "2026-11-20T10:00:00.000Z",
        type: "start",
        data: { task: "Fix the login bug", mode: "openhands", workspace: "/repo" },
      },
      { timestamp: "2026-11-20T10:01:00.000Z", type: "iteration", data: {} },
      {
        timestamp: "2026-11-20T10:02:00.000Z",
        type: "tool_call",
        data: { tool: "bash", args: { cmd: "ls" }, result: "ok" },
      },
      { timestamp: "2026-11-20T10:05:00.000Z", type: "iteration", data: {} },
    ],
    metadata: { model: "m-1", tokens: { prompt: 1, completion: 2, total: 3 } },
  };
  const paused = {
    id: "session_mwubq000_abc1234",
    userId: "user-1",
    mode: "lightweight",
    task: "Review",
    status: "paused",
    createdAt: "2026-11-21T09:00:00.000Z",
    updatedAt: "2026-11-21T09:30:00.000Z",
    iterations: 1,
    maxIterations: 20,
    context: { keep: true, pausedAt: "2026-11-21T09:30:00.000Z", pauseReason: "needs review" },
    history: [
      { timestamp: "2026-11-21T09:00:00.000Z", type: "start", data: { task: "Review", mode: "lightweight" } },
      { timestamp: "2026-11-21T09:30:00.000Z", type: "pause", data: { reason: "needs review" } },
    ],
  };
  const completed = {
    id: "session_mwubr111_zzz9999",
    userId: "user-2",
    mode: "openhands",
    task: "Ship it",
    status: "completed",
    createdAt: "2026-11-19T08:00:00.000Z",
    updatedAt: "2026-11-19T08:10:00.000Z",
    iterations: 3,
    maxIterations: 100,
    context: {},
    history: [
      { timestamp: "2026-11-19T08:00:00.000Z", type: "start", data: { task: "Ship it", mode: "openhands" } },
      { timestamp: "2026-11-19T08:10:00.000Z", type: "complete", data: { result: "done" } },
    ],
    result: "done",
  };
  for (const session of [active, paused, completed]) writeSeed(dir, session);
  const corruptId = "session_mwubs222_bad0000";
  mkdirSync(join(dir, corruptId));
  writeFileSync(
    join(dir, corruptId, "session.json"),
    '{\n  "id": "session_mwubs222_bad0000",\n  "mode": "open',
  );
  return { active, paused, completed, corruptId };
}

function open(dir: string) {
  return createFsStore({ dir, clock: createManualClock("2026-11-24T10:00:00.000Z"), durability: "none" });
}

describe("store-fs: sessions the seed module wrote are read in place", () => {
  it("get() upgrades a seed record: version 1, seq numbers, pause details out of context", async () => {
    const dir = tempDir();
    const { active, paused } = seedFixtures(dir);
    const store = open(dir);
    const got = await store.get(active.id);
    expect(got).toMatchObject({
      id: active.id,
      status: "active",
      iterations: 2,
      maxIterations: 50,
      version: 1,
      eventCount: 4,
    });
    expect(got?.context).toEqual({ branch: "fix/login" });
    const gotPaused = await store.get(paused.id);
    expect(gotPaused?.pause).toEqual({ at: "2026-11-21T09:30:00.000Z", reason: "needs review" });
    expect(gotPaused?.context).toEqual({ keep: true });
    const history = (await store.getWithHistory(active.id))?.history;
    expect(history?.map((event) => [event.seq, event.type])).toEqual([
      [1, "start"],
      [2, "iteration"],
      [3, "tool_call"],
      [4, "iteration"],
    ]);
    expect(await store.readEvents(active.id, { last: 2 })).toEqual(history?.slice(2));
    // Reading changes nothing on disk.
    expect(JSON.parse(readFileSync(join(dir, active.id, "session.json"), "utf8")).history).toHaveLength(4);
    await store.close();
  });

  it("list, filters, count and stats include seed sessions and report the corrupt one", async () => {
    const dir = tempDir();
    const { active, paused, completed, corruptId } = seedFixtures(dir);
    const store = open(dir);
    const page = await store.list();
    expect(page.items.map((item) => item.id)).toEqual([paused.id, active.id, completed.id]);
    expect(page.corrupt).toEqual([expect.objectContaining({ id: corruptId, code: "ERR_CORRUPT_RECORD" })]);
    expect(
      (await store.list({ userId: "user-1", status: ["active", "paused"] })).items.map((item) => item.id),
    ).toEqual([paused.id, active.id]);
    expect(
      (await store.list({ createdAfter: "2026-11-20T00:00:00Z", limit: 1 })).items.map((item) => item.id),
    ).toEqual([paused.id]);
    expect(await store.count({ mode: "openhands" })).toBe(2);
    const stats = await store.stats();
    expect(stats).toMatchObject({
      total: 3,
      byStatus: { active: 1, paused: 1, completed: 1, failed: 0, timeout: 0 },
      events: 8,
    });
    expect(stats.successRate).toBeCloseTo(100 / 3);
    expect(await codeOf(store.get(corruptId))).toBe("ERR_CORRUPT_RECORD");
    await store.close();
  });

  it("the first write upgrades the record in place: history moves to the log, session.json becomes v2", async () => {
    const dir = tempDir();
    const { active, paused } = seedFixtures(dir);
    const store = open(dir);
    const { session } = await store.commit(active.id, {
      patch: { iterations: 3 },
      events: [{ type: "iteration", data: { n: 3 } }],
    });
    expect(session).toMatchObject({ version: 2, eventCount: 5, iterations: 3 });
    const raw = JSON.parse(readFileSync(join(dir, active.id, "session.json"), "utf8"));
    expect(raw.schemaVersion).toBe(2);
    expect(raw.history).toBeUndefined();
    expect(existsSync(join(dir, active.id, "log.jsonl"))).toBe(true);
    const full = await store.getWithHistory(active.id);
    expect(full?.history.map((event) => event.type)).toEqual([
      "start",
      "iteration",
      "tool_call",
      "iteration",
      "iteration",
    ]);
    expect(full?.history[2]?.data).toEqual({ tool: "bash", args: { cmd: "ls" }, result: "ok" });
    // Continue the paused one: resume it through a commit, as the manager would.
    const resumed = await store.commit(paused.id, {
      patch: { status: "active", pause: null },
      events: [{ type: "resume" }],
    });
    expect(resumed.session.pause).toBeUndefined();
    expect(resumed.session.status).toBe("active");
    const other = open(dir);
    expect((await other.list({ status: "active" })).items.map((item) => item.id).sort()).toEqual(
      [active.id, paused.id].sort(),
    );
    expect(await other.getWithHistory(paused.id)).toEqual(await store.getWithHistory(paused.id));
    await store.close();
    await other.close();
  });

  it("a migration that died before its rename leaves the seed record in charge", async () => {
    const dir = tempDir();
    const { active } = seedFixtures(dir);
    // What a writer killed mid-migration leaves: a partial log beside the untouched seed record.
    writeFileSync(join(dir, active.id, "log.jsonl"), '{"v":1,"ev":[{"seq":1,');
    writeFileSync(join(dir, active.id, "session.json.x.tmp"), "{");
    const store = open(dir);
    expect((await store.getWithHistory(active.id))?.history).toHaveLength(4);
    await store.commit(active.id, { events: [{ type: "learning" }] });
    expect((await store.getWithHistory(active.id))?.history.map((event) => event.seq)).toEqual([
      1, 2, 3, 4, 5,
    ]);
    await store.close();
  });

  it("seed sessions can be deleted and pruned", async () => {
    const dir = tempDir();
    const { completed, corruptId, active } = seedFixtures(dir);
    const store = open(dir);
    expect((await store.prune({ olderThan: "2026-11-24T00:00:00Z" })).ids).toEqual([completed.id]);
    expect(await store.delete(corruptId)).toBe(true);
    expect(await store.delete(active.id)).toBe(true);
    expect((await store.list()).items).toHaveLength(1);
    expect((await store.list()).corrupt).toEqual([]);
    await store.close();
  });
});
