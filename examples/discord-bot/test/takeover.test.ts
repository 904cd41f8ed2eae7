import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Session, SessionManager } from "@sessionkit/core";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error plain .mjs example without type declarations
import { createBot } from "../bot.mjs";

type Bot = {
  manager: SessionManager;
  commands: { handle(i: { userId: string; subcommand: string; options?: object }): Promise<string> };
  agentFor(userId: string, channelId?: string): { resume(id: string): Promise<string> };
  close(): Promise<void>;
};

const fixture = join(import.meta.dirname, "fixtures", "owner-bot.mjs");
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A second bot process that starts a run for alice and hangs in it; resolves once the run started. */
async function ownerBot(dir: string): Promise<{ child: ChildProcess; id: string; ownerId: string }> {
  const child = spawn(process.execPath, [fixture, dir], { stdio: ["ignore", "pipe", "inherit"] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    return { child, ...(JSON.parse(line) as { id: string; ownerId: string }) };
  }
  throw new Error("the owner bot exited before starting its run");
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

function freshBot(): { bot: Bot; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "bot-takeover-"));
  const bot = createBot({ dir, sweepIntervalMs: null }) as Bot;
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => bot.close());
  return { bot, dir };
}

const say = (bot: Bot, subcommand: string, id: string) =>
  bot.commands.handle({ userId: "alice", subcommand, options: { session_id: id } });

const eventTypes = async (bot: Bot, id: string) =>
  (await bot.manager.getWithHistory(id))!.history.map((event) => event.type);

describe("resume across bot processes (ownership)", () => {
  it("refuses a session a live bot process runs, naming that bot, and changes nothing", async () => {
    const { bot, dir } = freshBot();
    const owner = await ownerBot(dir);
    const before = (await bot.manager.get(owner.id)) as Session;
    expect(before.owner).toMatchObject({ id: owner.ownerId, pid: owner.child.pid });
    const reply = await say(bot, "resume", owner.id);
    expect(reply).toContain(
      `Cannot resume: the session is running in ${owner.ownerId} (pid ${owner.child.pid} on`,
    );
    await expect(bot.agentFor("alice", "general").resume(owner.id)).rejects.toThrow(
      `running in ${owner.ownerId} (pid ${owner.child.pid}`,
    );
    const after = (await bot.manager.get(owner.id)) as Session;
    expect(after.owner).toEqual(before.owner);
    expect(after.status).toBe("active");
    expect(await eventTypes(bot, owner.id)).toEqual(["start"]);
  });

  it("takes over a session whose bot was SIGKILLed mid-run, before any sweep", async () => {
    const { bot, dir } = freshBot();
    const owner = await ownerBot(dir);
    await killed(owner.child);
    expect(await say(bot, "resume", owner.id)).toBe(
      `Took over \`${owner.id}\` from ${owner.ownerId} (pid ${owner.child.pid} on ${(await bot.manager.get(owner.id))!.owner!.host}), which crashed.`,
    );
    const session = (await bot.manager.get(owner.id)) as Session;
    expect(session).toMatchObject({ status: "active", owner: { id: bot.manager.ownerId, pid: process.pid } });
    const history = (await bot.manager.getWithHistory(owner.id))!.history;
    expect(history.map((event) => event.type)).toEqual(["start", "claim"]);
    expect(history[1]!.data).toMatchObject({ previous: { id: owner.ownerId, pid: owner.child.pid } });
    // This bot holds it now: resuming again is the no-op of a running session.
    expect(await say(bot, "resume", owner.id)).toBe("Cannot resume: the session is active already.");
  });

  it("after the sweeper paused the crashed run, the agent's resume runs it to completion", async () => {
    const { bot, dir } = freshBot();
    const owner = await ownerBot(dir);
    await killed(owner.child);
    expect((await bot.manager.sweep()).crashed).toEqual([owner.id]);
    expect((await bot.manager.get(owner.id))!.pause).toMatchObject({ reason: "crashed" });
    expect(await bot.agentFor("alice", "general").resume(owner.id)).toBe("Done: Refactor the parser");
    const session = (await bot.manager.get(owner.id)) as Session;
    expect(session.status).toBe("completed");
    expect(session.owner).toBeUndefined();
    expect(await eventTypes(bot, owner.id)).toEqual([
      "start",
      "crash",
      "claim",
      "resume",
      "iteration",
      "iteration",
      "iteration",
      "complete",
    ]);
  });
});
