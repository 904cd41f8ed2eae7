import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  addEvent,
  cleanupOldSessions,
  cleanupSessions,
  completeSession,
  configureWebhook,
  createSession,
  deleteSession,
  failSession,
  findSessions,
  getSession,
  getSessionContext,
  getSessionProgress,
  getStats,
  getTimedOutSessions,
  importSession,
  incrementIteration,
  isSessionResumable,
  listCorruptSessions,
  listSessions,
  pauseSession,
  recordLearning,
  recordToolCall,
  removeSession,
  resumeSession,
  saveSession,
  startSession,
  updateContext,
} from "@sessionkit/store-fs/compat";
import { describe, expect, it, vi } from "vitest";
import { readJsonBody, tempDir, useFreshStore } from "./helpers.js";

const types = (id: string) => getSession(id)!.history.map((event) => event.type);
const count = (list: string[], type: string) => list.filter((t) => t === type).length;

describe("lost updates (seed: Promise.all dropped events)", () => {
  it("concurrent events on one session are all kept, each exactly once", async () => {
    useFreshStore();
    for (let round = 0; round < 10; round++) {
      const { id } = await startSession(`round ${round}`, "developer");
      await Promise.all([
        ...Array.from({ length: 5 }, (_, i) => incrementIteration(id, { i })),
        ...Array.from({ length: 5 }, (_, i) => recordToolCall(id, "bash", { i }, { ok: true })),
        ...Array.from({ length: 5 }, (_, i) => recordLearning(id, `insight ${i}`, "x.md")),
        ...Array.from({ length: 5 }, (_, i) => addEvent(id, "custom_event", { i })),
      ]);
      const session = getSession(id)!;
      expect(session.iterations).toBe(5);
      const seen = session.history.map((event) => event.type);
      for (const type of ["iteration", "tool_call", "learning", "custom_event"])
        expect(count(seen, type)).toBe(5);
      expect(session.history.map((event) => event.seq)).toEqual(seen.map((_, i) => i + 1));
    }
  });

  it("completeSession racing recordToolCall: both succeed and both events are in the history", async () => {
    useFreshStore();
    for (let round = 0; round < 10; round++) {
      const { id } = await startSession(`race ${round}`, "developer");
      await Promise.all([
        completeSession(id, "done"),
        recordToolCall(id, "bash", { command: "npm test" }, { exitCode: 0 }),
      ]);
      const seen = types(id);
      expect(count(seen, "complete")).toBe(1);
      expect(count(seen, "tool_call")).toBe(1);
      expect(getSession(id)).toMatchObject({ status: "completed", result: "done" });
    }
  });
});

describe("state machine (seed: terminal sessions could change)", () => {
  it("a finished session is not completed twice, failed, or iterated into timeout", async () => {
    useFreshStore();
    const { id } = await startSession("t", "developer", { maxIterations: 1 });
    const first = await completeSession(id, "first");
    // Repeating the call that finished it returns it unchanged: no second event, no throw.
    expect(await completeSession(id, "second")).toEqual(first);
    await expect(failSession(id, "late")).rejects.toMatchObject({
      code: "ERR_INVALID_TRANSITION",
      message: expect.stringMatching(/^Cannot fail session in status: completed/),
    });
    await expect(incrementIteration(id)).rejects.toMatchObject({ code: "ERR_INVALID_TRANSITION" });
    expect(getSession(id)).toMatchObject({ status: "completed", result: "first", iterations: 0 });
    expect(types(id)).toEqual(["start", "complete"]);
  });

  it("reaching maxIterations times out with a timeout event; progress stops at 100", async () => {
    useFreshStore();
    const { id } = await startSession("t", "developer", { maxIterations: 3 });
    for (let i = 0; i < 3; i++) expect(await incrementIteration(id)).toBe(true);
    expect(types(id)).toEqual(["start", "iteration", "iteration", "iteration", "timeout"]);
    expect(getTimedOutSessions().map((s) => s.id)).toEqual([id]);
    await expect(incrementIteration(id)).rejects.toMatchObject({ code: "ERR_INVALID_TRANSITION" });
    expect(getSessionProgress(id)).toBe(100);
  });

  it("isSessionResumable agrees with resumeSession (active included); a timed-out session is paused for review and resumed with more budget", async () => {
    useFreshStore();
    const { id } = await startSession("t", "developer", { maxIterations: 2 });
    // Active: resumable, as the seed said, and resumeSession returns it unchanged (the seed threw).
    expect(isSessionResumable(id)).toBe(true);
    const running = getSession(id);
    expect(await resumeSession(id)).toEqual(running);
    expect(types(id)).toEqual(["start"]);
    await expect(resumeSession(id, { extendIterations: 1 })).rejects.toMatchObject({
      code: "ERR_INVALID_TRANSITION",
      message: expect.stringMatching(/^Cannot resume session in status: active/),
    });
    await pauseSession(id, "coffee");
    expect(isSessionResumable(id)).toBe(true);
    expect(await resumeSession(id)).toMatchObject({ status: "active" });
    await incrementIteration(id);
    await incrementIteration(id);
    expect(getSession(id)!.status).toBe("timeout");
    expect(await pauseSession(id, "Max iterations reached")).toMatchObject({ status: "paused" });
    expect(isSessionResumable(id)).toBe(false);
    await expect(resumeSession(id)).rejects.toMatchObject({ code: "ERR_INVALID_TRANSITION" });
    expect(await resumeSession(id, { extendIterations: 5 })).toMatchObject({
      status: "active",
      maxIterations: 7,
    });
  });

  it("addEvent with a lifecycle type performs the transition it names", async () => {
    useFreshStore();
    const { id } = await startSession("t", "developer");
    expect(await addEvent(id, "pause", { reason: "r" })).toBe(true);
    expect(getSession(id)!.status).toBe("paused");
    expect(await addEvent(id, "resume")).toBe(true);
    expect(await addEvent(id, "complete", { result: "ok" })).toBe(true);
    expect(getSession(id)).toMatchObject({ status: "completed", result: "ok" });
  });
});

describe("webhooks (seed: awaited inline, before saving, module-wide)", () => {
  it("lifecycle calls resolve while the webhook is still in flight, and it arrives after the commit", async () => {
    const { dir } = useFreshStore();
    const held: ServerResponse[] = [];
    const bodies: Array<{ event: string; session: { id: string; status: string } }> = [];
    const seenOnDisk: string[] = [];
    let arrived: () => void = () => undefined;
    const completeArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
      const payload = await readJsonBody(request);
      bodies.push(payload);
      held.push(response);
      if (payload.event === "complete") {
        seenOnDisk.push(getSession(payload.session.id)!.status);
        arrived();
      }
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    try {
      configureWebhook(`http://127.0.0.1:${port}/hook`);
      const { id } = await startSession("hooked", "developer");
      const done = await completeSession(id, "ok");
      // Both calls returned although the receiver has answered nothing yet.
      expect(done!.status).toBe("completed");
      await completeArrived;
      expect(seenOnDisk).toEqual(["completed"]);
      expect(bodies.map((b) => b.event)).toEqual(expect.arrayContaining(["start", "complete"]));
      expect(bodies.find((b) => b.event === "complete")!.session).toMatchObject({ id, status: "completed" });
      expect(existsSync(join(dir, id, "session.json"))).toBe(true);
    } finally {
      for (const response of held) response.end("ok");
      configureWebhook(null);
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('ids and paths (seed: deleteSession("") removed every session)', () => {
  it("invalid ids never touch the filesystem", async () => {
    const { dir } = useFreshStore();
    const { id } = await startSession("keep me", "developer");
    for (const bad of ["", "..", "../..", "/", "session_x/../..", "a\u0000b", "session_ok\\.."]) {
      expect(deleteSession(bad)).toBe(false);
      expect(removeSession(bad)).toBe(false);
      expect(getSession(bad)).toBeNull();
      expect(getSessionContext(bad)).toBeNull();
      expect(await pauseSession(bad)).toBeNull();
      expect(await recordToolCall(bad, "t", {}, {})).toBe(false);
      expect(updateContext(bad, { a: 1 })).toBeNull();
    }
    expect(getSession(id)).not.toBeNull();
    expect(readdirSync(dir)).toContain(id);
  });

  it("importSession with an id that climbs out of the directory writes nothing", () => {
    const { dir } = useFreshStore();
    const parent = dirname(dir);
    const seed = {
      id: "../escaped",
      mode: "m",
      task: "t",
      status: "active",
      createdAt: "2025-01-01T00:00:00.000Z",
      updatedAt: "2025-01-01T00:00:00.000Z",
      iterations: 0,
      maxIterations: 10,
      context: {},
      history: [],
    };
    expect(importSession(JSON.stringify(seed))).toBeNull();
    expect(existsSync(join(parent, "escaped"))).toBe(false);
    expect(importSession(JSON.stringify({ ...seed, id: "session_imported_1" }))).toMatchObject({
      id: "session_imported_1",
      status: "active",
      history: [],
    });
  });

  it("new ids are session_ + nanoid and never collide", async () => {
    useFreshStore();
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) ids.add(createSession({ task: "t", mode: "m" }).id);
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^session_[A-Za-z0-9]{21}$/);
  });
});

describe("inputs the seed misread", () => {
  it("maxIterations: 0 is refused instead of becoming 100", async () => {
    useFreshStore();
    await expect(startSession("t", "m", { maxIterations: 0 })).rejects.toMatchObject({
      code: "ERR_INVALID_INPUT",
    });
    expect(() => createSession({ task: "t", mode: "m", maxIterations: 0 })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_INPUT" }),
    );
    expect(listSessions()).toEqual([]);
  });

  it("date bounds compare instants, not strings; a non-date is refused", async () => {
    useFreshStore();
    const { id } = await startSession("t", "m");
    expect(listSessions({ createdAfter: "2026-03-01T13:00:00+01:00" }).map((s) => s.id)).toEqual([id]);
    expect(listSessions({ createdAfter: "2026-03-01T13:00:00.001+01:00" })).toEqual([]);
    expect(() => listSessions({ createdAfter: "yesterday" })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_QUERY" }),
    );
  });

  it("limit: 0 returns nothing; ties in createdAt come back in a fixed order", () => {
    useFreshStore();
    const ids = Array.from({ length: 6 }, () => createSession({ task: "t", mode: "m" }).id);
    expect(listSessions({ limit: 0 })).toEqual([]);
    expect(listSessions().map((s) => s.id)).toEqual([...ids].sort().reverse());
    expect(getStats({ status: [] }).total).toBe(0);
  });

  it("cleanup goes by the last change, not creation; cleanupOldSessions is milliseconds, cleanupSessions days", async () => {
    const { clock } = useFreshStore();
    const old = await startSession("old but just finished", "m");
    const done = await startSession("finished long ago", "m");
    await completeSession(done.id, "x");
    clock.advance(40 * 86_400_000);
    await completeSession(old.id, "y");
    expect(cleanupSessions(30)).toBe(1);
    expect(getSession(done.id)).toBeNull();
    expect(getSession(old.id)).not.toBeNull();
    clock.advance(5_000);
    expect(cleanupOldSessions(60_000)).toBe(0);
    expect(cleanupOldSessions(4_000)).toBe(1);
    expect(() => cleanupSessions(Number.NaN)).toThrow(expect.objectContaining({ code: "ERR_INVALID_INPUT" }));
  });

  it("pause details no longer overwrite the user's pausedAt / pauseReason context keys", async () => {
    useFreshStore();
    const { id } = await startSession("t", "m", { context: { pausedAt: "mine", pauseReason: "also mine" } });
    const paused = (await pauseSession(id, "break"))!;
    // While paused the seed's shape shows the pause; the user's own values stay stored.
    expect(paused.context).toEqual({ pausedAt: paused.pause!.at, pauseReason: "break" });
    expect(getSession(id)!.pause).toMatchObject({ reason: "break" });
    saveSession(paused);
    updateContext(id, paused.context);
    await resumeSession(id);
    expect(getSession(id)!.context).toEqual({ pausedAt: "mine", pauseReason: "also mine" });
  });

  it("the caller's context object is copied, not kept by reference", async () => {
    useFreshStore();
    const context: Record<string, unknown> = { step: 1 };
    const started = await startSession("t", "m", { context });
    context.step = 2;
    started.context.step = 3;
    expect(getSession(started.id)!.context).toEqual({ step: 1 });
  });

  it("a session file with an unknown status is reported corrupt instead of turning stats into NaN", async () => {
    const { dir } = useFreshStore();
    await startSession("fine", "m");
    const id = "session_weird_status";
    mkdirSync(join(dir, id));
    writeFileSync(
      join(dir, id, "session.json"),
      JSON.stringify(
        {
          id,
          mode: "m",
          task: "t",
          status: "weird",
          createdAt: "2025-01-01T00:00:00.000Z",
          updatedAt: "2025-01-01T00:00:00.000Z",
          iterations: 0,
          maxIterations: 5,
          context: {},
          history: [],
        },
        null,
        2,
      ),
    );
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const stats = getStats();
    expect(stats.total).toBe(1);
    expect(Number.isNaN(stats.averageIterations)).toBe(false);
    expect(findSessions().map((s) => s.id)).not.toContain(id);
    expect(listCorruptSessions().map((c) => c.id)).toEqual([id]);
    expect(() => getSession(id)).toThrow(expect.objectContaining({ code: "ERR_CORRUPT_RECORD" }));
    error.mockRestore();
  });
});

describe("directory", () => {
  it("defaults to ./sessions under the working directory, not inside the source tree", () => {
    const cwd = tempDir("compat-cwd-");
    // The script sits inside this package so it imports the built drop-in by its own name.
    const scriptDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", ".tmp");
    mkdirSync(scriptDir, { recursive: true });
    const script = join(scriptDir, `default-dir-${process.pid}.mjs`);
    writeFileSync(
      script,
      [
        'import { createSession, closeSessionStore, getSessionsDir } from "@sessionkit/store-fs/compat";',
        'const s = createSession({ task: "t", mode: "m" });',
        "console.log(JSON.stringify({ id: s.id, dir: getSessionsDir() }));",
        "await closeSessionStore();",
      ].join("\n"),
    );
    try {
      const output = execFileSync(process.execPath, [script], { cwd, encoding: "utf8" });
      const { id, dir } = JSON.parse(output) as { id: string; dir: string };
      expect(dir).toBe(join(cwd, "sessions"));
      expect(existsSync(join(cwd, "sessions", id, "session.json"))).toBe(true);
    } finally {
      rmSync(script, { force: true });
    }
  });
});
