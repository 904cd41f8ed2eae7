// Runs the bot without Discord: feeds it `/session` commands and agent runs from a script (or
// from stdin with --stdin, one `<userId> <subcommand> [key=value …]` per line) and prints replies.
//   node examples/discord-bot/driver.mjs
//   printf 'alice list\nbob stats\n' | node examples/discord-bot/driver.mjs --stdin
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createBot } from "./bot.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const dir = process.env.BOT_SESSIONS_DIR ?? join(here, "sessions");
const fromStdin = process.argv.includes("--stdin");
if (!fromStdin) rmSync(dir, { recursive: true, force: true });

const bot = createBot({ dir, admins: ["admin"] });
const ids = {};

async function command(userId, subcommand, options = {}) {
  const reply = await bot.commands.handle({ userId, channelId: "general", subcommand, options });
  const shown = Object.entries(options)
    .map(([k, v]) => `${k}:${v}`)
    .join(" ");
  console.log(`\n> ${userId}: /session ${subcommand}${shown ? ` ${shown}` : ""}`);
  console.log(reply.replace(/^/gm, "  "));
}

async function agentRun(userId, task) {
  console.log(`\n> ${userId} asks the agent: "${task}"`);
  try {
    console.log(`  agent: ${await bot.agentFor(userId, "general").execute(task, "developer")}`);
  } catch (error) {
    console.log(`  agent failed: ${error.message}`);
  }
}

try {
  if (fromStdin) {
    for await (const line of createInterface({ input: process.stdin })) {
      const [userId, subcommand, ...pairs] = line.trim().split(/\s+/);
      if (!userId || !subcommand) continue;
      await command(userId, subcommand, Object.fromEntries(pairs.map((pair) => pair.split("="))));
    }
  } else {
    await agentRun("alice", "Add input validation");
    await agentRun("alice", "Make the flaky test fail less");
    const long = await bot.manager.start({
      task: "Migrate the database",
      mode: "developer",
      userId: "alice",
      channelId: "general",
    });
    ids.long = long.id;
    await command("alice", "list");
    await command("bob", "info", { session_id: ids.long });
    await command("bob", "pause", { session_id: ids.long });
    await command("alice", "pause", { session_id: ids.long, reason: "Waiting for a maintenance window" });
    await command("alice", "info", { session_id: ids.long });
    await command("bob", "resume", { session_id: ids.long });
    await command("alice", "resume", { session_id: ids.long });
    await command("alice", "resume", { session_id: ids.long });
    await command("alice", "info", { session_id: "../../etc" });
    await command("alice", "stats");
    await command("bob", "stats");
    await command("bob", "cleanup", { days: 0 });
    await command("admin", "cleanup", { days: 0, dry_run: true });
  }
} finally {
  await bot.close();
}
