import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { SessionManager } from "@sessionkit/core";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error plain .mjs example without type declarations
import { createBot } from "../bot.mjs";

type Bot = {
  manager: SessionManager;
  approvals: {
    pending(userId: string): Promise<Array<{ customId: string; prompt: string; task: string }>>;
    click(input: { userId: string; customId: string; approved: boolean }): Promise<string>;
  };
  close(): Promise<void>;
};

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A bot process asks for approval and is SIGKILLed right after: the question outlives it. */
async function askThenCrash(dir: string): Promise<{ id: string; customId: string }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, "fixtures", "ask-bot.mjs"), dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let asked: { id: string; customId: string } | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    asked = JSON.parse(line);
    break;
  }
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
  if (!asked) throw new Error("the asking bot exited before asking");
  return asked;
}

describe("the approval button flow across a bot restart", () => {
  it("a question asked before a SIGKILL is listed after the restart, and its button resolves it exactly once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bot-approvals-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const asked = await askThenCrash(dir);
    const bot = createBot({ dir, sweepIntervalMs: null }) as Bot;
    cleanups.push(() => bot.close());

    expect(await bot.approvals.pending("alice")).toEqual([
      { customId: asked.customId, prompt: "Apply this patch?", task: "Fix the login bug" },
    ]);
    expect(await bot.approvals.pending("bob")).toEqual([]);
    expect(await bot.approvals.click({ userId: "bob", customId: asked.customId, approved: true })).toBe(
      "This approval is not yours.",
    );
    const clicks = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        bot.approvals.click({ userId: "alice", customId: asked.customId, approved: i % 2 === 0 }),
      ),
    );
    const resolved = clicks.filter((reply) => !reply.startsWith("Already"));
    expect(resolved).toHaveLength(1);
    for (const reply of clicks.filter((r) => r.startsWith("Already")))
      expect(reply).toContain(resolved[0]!.startsWith("Approved") ? "Already approved" : "Already rejected");
    expect(await bot.approvals.pending("alice")).toEqual([]);
    const session = (await bot.manager.getWithHistory(asked.id))!;
    // Resolved, running again, and taken over by this bot (the one that asked is gone).
    expect(session.status).toBe("active");
    expect(session.owner?.id).toBe(bot.manager.ownerId);
    expect(session.history.map((e) => e.type)).toEqual([
      "start",
      "input_requested",
      "input_received",
      "claim",
    ]);
  });
});
