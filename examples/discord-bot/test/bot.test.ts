import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createManualClock } from "@sessionkit/core";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error plain .mjs example without type declarations
import { createBot } from "../bot.mjs";

type Bot = {
  manager: import("@sessionkit/core").SessionManager;
  commands: {
    handle(interaction: {
      userId: string;
      subcommand: string;
      options?: Record<string, unknown>;
    }): Promise<string>;
  };
  agentFor(
    userId: string,
    channelId?: string,
  ): {
    execute(task: string, mode: string): Promise<string>;
    pause(id: string, reason?: string): Promise<unknown>;
    resume(id: string): Promise<string>;
    getActiveSessions(): Promise<Array<{ id: string }>>;
  };
  close(): Promise<void>;
};

const opened: Array<{ bot: Bot; dir: string }> = [];
afterEach(async () => {
  for (const { bot, dir } of opened.splice(0)) {
    await bot.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function freshBot() {
  const dir = mkdtempSync(join(tmpdir(), "bot-"));
  const clock = createManualClock("2026-05-01T00:00:00.000Z");
  const bot = createBot({ dir, admins: ["admin"], clock }) as Bot;
  opened.push({ bot, dir });
  const say = (userId: string, subcommand: string, options: Record<string, unknown> = {}) =>
    bot.commands.handle({ userId, subcommand, options });
  return { bot, dir, clock, say };
}

const types = async (bot: Bot, id: string) =>
  (await bot.manager.getWithHistory(id))!.history.map((e) => e.type);

describe("/session commands", () => {
  it("a user neither sees nor changes another user's sessions", async () => {
    const { bot, say } = freshBot();
    const { id } = await bot.manager.start({ task: "alice's task", mode: "developer", userId: "alice" });
    expect(await say("bob", "list")).toBe("You have no sessions.");
    expect(await say("bob", "info", { session_id: id })).toBe(`Session \`${id}\` not found.`);
    expect(await say("bob", "pause", { session_id: id })).toBe(`Session \`${id}\` not found.`);
    expect((await bot.manager.get(id))!.status).toBe("active");
    await say("alice", "pause", { session_id: id });
    expect(await say("bob", "resume", { session_id: id })).toBe(`Session \`${id}\` not found.`);
    expect((await bot.manager.get(id))!.status).toBe("paused");
    expect(await say("alice", "list")).toContain(id);
    expect(await say("bob", "stats")).toMatch(/^Your sessions: 0/);
    expect(await say("alice", "stats")).toMatch(/^Your sessions: 1 \(paused: 1\)/);
  });

  it("ids typed by users are checked before they reach the store", async () => {
    const { bot, dir, say } = freshBot();
    await bot.manager.start({ task: "t", mode: "m", userId: "alice" });
    const before = readdirSync(dir).sort();
    for (const bad of ["", "..", "../../etc", "session_x/../../y"]) {
      expect(await say("alice", "info", { session_id: bad })).toBe(`Session \`${bad}\` not found.`);
      expect(await say("alice", "pause", { session_id: bad })).toBe(`Session \`${bad}\` not found.`);
    }
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it("resume checks resumability and never fails a running session", async () => {
    const { bot, say } = freshBot();
    const { id } = await bot.manager.start({ task: "t", mode: "m", userId: "alice" });
    expect(await say("alice", "resume", { session_id: id })).toBe(
      "Cannot resume: the session is active already.",
    );
    expect((await bot.manager.get(id))!.status).toBe("active");
    expect(await types(bot, id)).toEqual(["start"]);
    await say("alice", "pause", { session_id: id, reason: "later" });
    expect(await say("alice", "info", { session_id: id })).toContain("paused: later");
    expect(await say("alice", "resume", { session_id: id })).toBe(`Resumed \`${id}\`.`);
    expect(await types(bot, id)).toEqual(["start", "pause", "resume"]);
  });

  it("cleanup needs an admin; an admin removes old finished sessions only", async () => {
    const { bot, clock, say } = freshBot();
    const done = await bot.manager.start({ task: "done", mode: "m", userId: "alice" });
    await bot.manager.complete(done.id, "ok");
    const running = await bot.manager.start({ task: "running", mode: "m", userId: "alice" });
    clock.advance(31 * 86_400_000);
    expect(await say("alice", "cleanup")).toBe("Only an admin can clean up sessions.");
    expect(await bot.manager.get(done.id)).not.toBeNull();
    expect(await say("admin", "cleanup", { dry_run: true })).toBe(
      "Would remove 1 finished session(s) older than 30 days.",
    );
    expect(await say("admin", "cleanup")).toBe("Removed 1 finished session(s) older than 30 days.");
    expect(await bot.manager.get(done.id)).toBeNull();
    expect(await bot.manager.get(running.id)).not.toBeNull();
  });
});

describe("SessionAwareAgent with a stand-in runner", () => {
  it("execute completes the session, recording each step as an iteration", async () => {
    const { bot } = freshBot();
    const agent = bot.agentFor("alice", "general");
    expect(await agent.execute("Add validation", "developer")).toBe("Done: Add validation");
    const [summary] = (await bot.manager.find({ userId: "alice" })).items;
    expect(summary).toMatchObject({
      status: "completed",
      iterations: 3,
      maxIterations: 50,
      channelId: "general",
    });
    expect(await types(bot, summary!.id)).toEqual([
      "start",
      "iteration",
      "iteration",
      "iteration",
      "complete",
    ]);
  });

  it("a failed or crashed run fails its session exactly once", async () => {
    const { bot } = freshBot();
    const agent = bot.agentFor("alice");
    await expect(agent.execute("This will fail", "developer")).rejects.toThrow("Tests are still failing");
    await expect(agent.execute("This will crash", "developer")).rejects.toThrow("Agent process crashed");
    const { items } = await bot.manager.find({ userId: "alice" });
    expect(items).toHaveLength(2);
    for (const item of items) {
      expect(item.status).toBe("failed");
      expect((await types(bot, item.id)).filter((type) => type === "error")).toHaveLength(1);
    }
  });

  it("pause and resume act on the user's own sessions; resume runs the agent to completion", async () => {
    const { bot } = freshBot();
    const alice = bot.agentFor("alice", "general");
    const bob = bot.agentFor("bob", "general");
    const { id } = await bot.manager.start({
      task: "Long job",
      mode: "developer",
      userId: "alice",
      channelId: "general",
    });
    expect((await alice.getActiveSessions()).map((s) => s.id)).toEqual([id]);
    expect(await bob.getActiveSessions()).toEqual([]);
    await expect(bob.pause(id, "mine now")).rejects.toThrow(`Session ${id} not found`);
    await alice.pause(id, "lunch");
    await expect(alice.resume("session_missing")).rejects.toThrow("not found");
    expect(await alice.resume(id)).toBe("Done: Long job");
    expect(await types(bot, id)).toEqual([
      "start",
      "pause",
      "resume",
      "iteration",
      "iteration",
      "iteration",
      "complete",
    ]);
    await expect(alice.resume(id)).rejects.toThrow("cannot be resumed (status: completed)");
  });
});
