// The bot's `/session` slash-command handlers as its `discord-integration-example.ts` wrote them
// against the seed's files. Only the import lines differ: `./manager.js` → compat/manager,
// `./store.js` → compat/store, `./types.js` → compat/types. (The fixed, ownership-checking
// handlers on the async API are in ../../session-commands.mjs.)
import {
  cleanupOldSessions,
  completeSession,
  failSession,
  getActiveSessions,
  getCompletedSessions,
  getFailedSessions,
  getPausedSessions,
  getSessionContext,
  getSessionProgress,
  isSessionResumable,
  pauseSession,
  resumeSession,
} from "@sessionkit/store-fs/compat/manager";
import { getSessionStats } from "@sessionkit/store-fs/compat/store";
import type { SessionSummary } from "@sessionkit/store-fs/compat/types";
import { rerunAgent } from "./openhands-agent.js";

/** The part of discord.js's ChatInputCommandInteraction the handlers use. */
export interface SessionInteraction {
  user: { id: string };
  options: {
    getSubcommand(): string;
    getString(name: string, required?: boolean): string | null;
    getInteger(name: string): number | null;
  };
  reply(message: { content: string; ephemeral?: boolean }): Promise<void>;
  deferReply(): Promise<void>;
  editReply(content: string): Promise<void>;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function list(interaction: SessionInteraction): Promise<void> {
  const userId = interaction.user.id;
  const filter = interaction.options.getString("filter") || "all";
  const byFilter: Record<string, () => SessionSummary[]> = {
    active: () => getActiveSessions({ userId }),
    paused: () => getPausedSessions({ userId }),
    completed: () => getCompletedSessions({ userId, limit: 10 }),
    failed: () => getFailedSessions({ userId, limit: 10 }),
  };
  const sessions =
    byFilter[filter]?.() ?? getActiveSessions({ userId }).concat(getPausedSessions({ userId })).slice(0, 10);
  if (sessions.length === 0) {
    await interaction.reply({ content: `No ${filter} sessions found.`, ephemeral: true });
    return;
  }
  const lines = sessions.map(
    (s) => `• \`${s.id}\` - ${s.mode} - ${s.status} (${s.iterations}/${s.maxIterations})`,
  );
  await interaction.reply({
    content: `**Your Sessions (${filter}):**\n${lines.join("\n")}`,
    ephemeral: true,
  });
}

async function info(interaction: SessionInteraction): Promise<void> {
  const sessionId = interaction.options.getString("session_id", true) ?? "";
  const context = getSessionContext(sessionId);
  if (!context) {
    await interaction.reply({ content: "Session not found.", ephemeral: true });
    return;
  }
  const progress = getSessionProgress(sessionId);
  // The bot reads the pause details where the seed kept them: in the context.
  const paused =
    context.status === "paused"
      ? `\n**Paused:** ${context.context.pauseReason ?? "no reason"} (since ${context.context.pausedAt})`
      : "";
  const recent = context.recentHistory.map((e) => e.type).join(", ");
  await interaction.reply({
    content: `**Session** \`${sessionId}\`\n**Status:** ${context.status}${paused}\n**Progress:** ${progress?.toFixed(1)}% (${context.iterations}/${context.maxIterations})\n**Recent Events:** ${recent}`,
    ephemeral: true,
  });
}

async function pause(interaction: SessionInteraction): Promise<void> {
  const sessionId = interaction.options.getString("session_id", true) ?? "";
  const reason = interaction.options.getString("reason") || "User requested pause";
  try {
    const updated = await pauseSession(sessionId, reason);
    const content = updated ? `Session paused.\nReason: ${reason}` : "Session not found.";
    await interaction.reply({ content, ephemeral: true });
  } catch (error) {
    await interaction.reply({ content: `Failed to pause session: ${message(error)}`, ephemeral: true });
  }
}

async function resume(interaction: SessionInteraction): Promise<void> {
  const sessionId = interaction.options.getString("session_id", true) ?? "";
  if (!isSessionResumable(sessionId)) {
    await interaction.reply({
      content: "Session not found or cannot be resumed (must be active or paused).",
      ephemeral: true,
    });
    return;
  }
  try {
    await interaction.deferReply();
    const context = getSessionContext(sessionId);
    if (!context) {
      await interaction.editReply("Session not found.");
      return;
    }
    await resumeSession(sessionId);
    const result = await rerunAgent(sessionId, context);
    if (result.success) {
      await completeSession(sessionId, result.output);
      await interaction.editReply(`Session completed successfully!\n${result.output}`);
    } else {
      await failSession(sessionId, result.error || "Failed");
      await interaction.editReply(`Session failed: ${result.error}`);
    }
  } catch (error) {
    await failSession(sessionId, message(error));
    await interaction.editReply(`Error resuming session: ${message(error)}`);
  }
}

async function stats(interaction: SessionInteraction): Promise<void> {
  const s = getSessionStats({ userId: interaction.user.id });
  const content =
    s.total === 0
      ? "No sessions found."
      : `**Total Sessions:** ${s.total}\n**Success Rate:** ${s.successRate.toFixed(1)}%\n**Completed:** ${s.byStatus.completed}`;
  await interaction.reply({ content, ephemeral: true });
}

async function cleanup(interaction: SessionInteraction): Promise<void> {
  const days = interaction.options.getInteger("days") || 30;
  const cleaned = cleanupOldSessions(days);
  await interaction.reply({
    content: `Cleaned up ${cleaned} sessions older than ${days} days.`,
    ephemeral: true,
  });
}

const handlers: Record<string, (interaction: SessionInteraction) => Promise<void>> = {
  list,
  info,
  pause,
  resume,
  stats,
  cleanup,
};

/** Dispatches `/session <subcommand>` (the seed's handleSessionCommand). */
export async function handleSessionCommand(interaction: SessionInteraction): Promise<void> {
  const handler = handlers[interaction.options.getSubcommand()];
  if (handler) await handler(interaction);
  else await interaction.reply({ content: "Unknown subcommand.", ephemeral: true });
}
