import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, createManualClock } from "@sessionkit/core";
import {
  closeSessionStore,
  configure,
  getSession,
  getSessionContext,
  listSessions,
  startSession,
} from "@sessionkit/store-fs/compat/manager";
import { afterEach, describe, expect, it } from "vitest";
import { handleSessionCommand, type SessionInteraction } from "../src/seed-client/discord-commands.js";
import {
  createSessionAwareAgent,
  monitorSessions,
  resumeMultiStepWorkflow,
  runMultiStepWorkflow,
  runOpenHandsWithSession,
} from "../src/seed-client/examples.js";

const DAY = 86_400_000;
const dirs: string[] = [];

afterEach(async () => {
  await closeSessionStore();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function useSessionsDir() {
  const dir = mkdtempSync(join(tmpdir(), "seed-client-"));
  dirs.push(dir);
  const clock = createManualClock("2026-05-01T09:00:00.000Z");
  configure({ dir: join(dir, "sessions"), clock: clock as Clock, webhookUrl: null });
  return { dir: join(dir, "sessions"), clock };
}

/** `/session <subcommand>` as Discord would deliver it; resolves to every reply the bot sent. */
async function say(userId: string, subcommand: string, options: Record<string, string | number> = {}) {
  const replies: string[] = [];
  const interaction: SessionInteraction = {
    user: { id: userId },
    options: {
      getSubcommand: () => subcommand,
      getString: (name) => (typeof options[name] === "string" ? (options[name] as string) : null),
      getInteger: (name) => (typeof options[name] === "number" ? (options[name] as number) : null),
    },
    reply: async ({ content }) => void replies.push(content),
    deferReply: async () => undefined,
    editReply: async (content) => void replies.push(content),
  };
  await handleSessionCommand(interaction);
  return replies;
}

const types = (id: string) => getSession(id)!.history.map((event) => event.type);

describe("the bot's own client files over compat/manager, compat/store and compat/types", () => {
  it("start → iterate → tool calls → learning → complete", async () => {
    useSessionsDir();
    const result = await runOpenHandsWithSession("Fix the login bug", "developer", "alice", "c1");
    expect(result.success).toBe(true);
    const [summary] = listSessions({ userId: "alice" });
    expect(types(summary!.id)).toEqual([
      "start",
      "iteration",
      "tool_call",
      "tool_call",
      "learning",
      "complete",
    ]);
    expect(getSession(summary!.id)).toMatchObject({ status: "completed", result: "Done: Fix the login bug" });
  });

  it("an agent error fails the session once and reaches the caller as the agent's error", async () => {
    useSessionsDir();
    const agent = createSessionAwareAgent("bob", "c2");
    // execute() fails the session in its try and again in its catch, as the seed's did.
    await expect(agent.execute("make the build fail", "developer")).rejects.toThrow(
      "Tests are still failing",
    );
    await expect(agent.execute("crash the agent", "developer")).rejects.toThrow("Agent process crashed");
    await expect(runOpenHandsWithSession("crash again", "developer", "bob")).rejects.toThrow(
      "Agent process crashed",
    );
    const sessions = listSessions({ userId: "bob" });
    expect(sessions).toHaveLength(3);
    for (const { id } of sessions) {
      expect(getSession(id)!.status).toBe("failed");
      expect(types(id).filter((type) => type === "error")).toHaveLength(1);
    }
  });

  it("pause, then resume in a new call (a new store handle) and complete; /session info shows the pause reason", async () => {
    const { dir, clock } = useSessionsDir();
    const reply = await runMultiStepWorkflow("Add dark mode", "carol", true);
    const id = reply.split("Session ID: ")[1]!;
    const [info] = await say("carol", "info", { session_id: id });
    expect(info).toContain("**Status:** paused");
    expect(info).toContain("**Paused:** User requested review of analysis");
    expect(getSessionContext(id)!.context.pauseReason).toBe("User requested review of analysis");

    // Later, in a new call: the store is opened again from the same directory.
    await closeSessionStore();
    configure({ dir, clock: clock as Clock, webhookUrl: null });
    clock.advance(60_000);
    expect(await resumeMultiStepWorkflow(id)).toBe("Implementation: Done: Continue implementation");
    const done = getSession(id)!;
    expect(done).toMatchObject({ status: "completed", iterations: 3 });
    expect(done.context).toEqual({});
    expect(types(id)).toEqual([
      "start",
      "iteration",
      "pause",
      "resume",
      "iteration",
      "iteration",
      "complete",
    ]);
  });

  it("/session resume of a paused session completes it; of an active one it runs on instead of failing it", async () => {
    useSessionsDir();
    const paused = await startSession("Paused task", "developer", { userId: "dave" });
    await say("dave", "pause", { session_id: paused.id, reason: "lunch" });
    expect(await say("dave", "resume", { session_id: paused.id })).toEqual([
      "Session completed successfully!\nDone: Paused task",
    ]);
    expect(types(paused.id)).toEqual(["start", "pause", "resume", "complete"]);

    const running = await startSession("Running task", "developer", { userId: "dave" });
    expect(await say("dave", "resume", { session_id: running.id })).toEqual([
      "Session completed successfully!\nDone: Running task",
    ]);
    // The seed's resumeSession threw here and the handler's catch failed a running session.
    expect(types(running.id)).toEqual(["start", "complete"]);
    expect(await say("dave", "resume", { session_id: running.id })).toEqual([
      "Session not found or cannot be resumed (must be active or paused).",
    ]);
  });

  it("cleanupOldSessions(30) right after finishing three sessions deletes none; so does /session cleanup with its default", async () => {
    const { clock } = useSessionsDir();
    await runOpenHandsWithSession("one", "developer", "erin");
    await runOpenHandsWithSession("two fail", "developer", "erin");
    await expect(createSessionAwareAgent("erin").execute("three crash", "developer")).rejects.toThrow();
    expect(listSessions({ userId: "erin", status: ["completed", "failed"] })).toHaveLength(3);

    expect(monitorSessions()).toEqual({ active: 0, cleaned: 0 });
    expect(await say("erin", "cleanup")).toEqual(["Cleaned up 0 sessions older than 30 days."]);
    expect(listSessions()).toHaveLength(3);
    expect(await say("erin", "stats")).toEqual([
      "**Total Sessions:** 3\n**Success Rate:** 33.3%\n**Completed:** 1",
    ]);

    clock.advance(31 * DAY);
    expect(await say("erin", "cleanup")).toEqual(["Cleaned up 3 sessions older than 30 days."]);
    expect(listSessions()).toHaveLength(0);
  });
});
