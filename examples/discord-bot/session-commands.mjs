// The bot's `/session` command handlers (list, info, pause, resume, stats, cleanup) on the async
// API. Fixed against the seed's handlers: a user sees and changes only their own sessions (another
// user's session answers exactly like a missing one), ids typed by users are checked before use,
// resume takes over a session whose bot crashed, refuses one a live bot runs (naming it) and never
// fails a running session, and cleanup needs an admin.
import { isSessionKitError, isValidSessionId } from "@sessionkit/core";
import { describeOwner, refusalOf, takeOver } from "./take-over.mjs";

/**
 * Creates the handlers. `admins` holds the user ids allowed to run cleanup.
 * `handle(interaction)` takes `{ userId, channelId?, subcommand, options }` and resolves to the reply text.
 */
export function createSessionCommands({ manager, admins = [] }) {
  const adminIds = new Set(admins);

  /** The caller's own session, or null (missing, malformed id, or someone else's). */
  async function ownSession(userId, id) {
    if (!isValidSessionId(id)) return null;
    const session = await manager.get(id);
    return session && session.userId === userId ? session : null;
  }

  const notFound = (id) => `Session \`${id}\` not found.`;

  const handlers = {
    async list({ userId, options }) {
      const status = options.status;
      const page = await manager.find({ userId, ...(status ? { status } : {}), limit: 10 });
      if (page.items.length === 0) return "You have no sessions.";
      const lines = page.items.map(
        (s) => `• \`${s.id}\` ${s.status} — ${s.task} (${s.iterations}/${s.maxIterations})`,
      );
      return [`Your sessions (newest first):`, ...lines].join("\n");
    },

    async info({ userId, options }) {
      const session = await ownSession(userId, options.session_id);
      if (!session) return notFound(options.session_id);
      const progress = await manager.progress(session.id);
      const ctx = await manager.getContext(session.id);
      const recent = ctx.recentHistory.map((e) => e.type).join(" → ");
      return [
        `**${session.task}** (\`${session.id}\`)`,
        `status: ${session.status}, mode: ${session.mode}, progress: ${Math.round(progress)}%`,
        session.pause ? `paused: ${session.pause.reason ?? "no reason given"}` : null,
        session.result ? `result: ${session.result}` : null,
        session.error ? `error: ${session.error}` : null,
        `recent: ${recent}`,
      ]
        .filter(Boolean)
        .join("\n");
    },

    async pause({ userId, options }) {
      const session = await ownSession(userId, options.session_id);
      if (!session) return notFound(options.session_id);
      try {
        await manager.pause(session.id, options.reason ?? `Paused by <@${userId}>`);
        return `Paused \`${session.id}\`.`;
      } catch (error) {
        if (isSessionKitError(error, "ERR_INVALID_TRANSITION"))
          return `Cannot pause: the session is ${session.status}.`;
        throw error;
      }
    },

    async resume({ userId, options }) {
      const session = await ownSession(userId, options.session_id);
      if (!session) return notFound(options.session_id);
      if (!(await manager.isResumable(session.id)) && session.owner === undefined)
        return `Cannot resume: the session is ${session.status}.`;
      try {
        const taken = await takeOver(manager, session.id);
        // Resuming a session this bot runs is a no-op in the manager; tell the user rather than claim a resume.
        if (taken.already) return "Cannot resume: the session is active already.";
        if (taken.previous)
          return `Took over \`${session.id}\` from ${describeOwner(taken.previous)}, which crashed.`;
        return `Resumed \`${session.id}\`.`;
      } catch (error) {
        // A live bot runs it, or a concurrent change (another command, another bot instance) won the race.
        const refusal = refusalOf(error);
        if (refusal) return refusal;
        throw error;
      }
    },

    async stats({ userId }) {
      const stats = await manager.stats({ userId });
      const byStatus = Object.entries(stats.byStatus)
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${status}: ${n}`)
        .join(", ");
      return [
        `Your sessions: ${stats.total}${byStatus ? ` (${byStatus})` : ""}`,
        `success rate: ${stats.successRate.toFixed(1)}%, average iterations: ${stats.averageIterations.toFixed(1)}`,
      ].join("\n");
    },

    async cleanup({ userId, options }) {
      if (!adminIds.has(userId)) return "Only an admin can clean up sessions.";
      const days = options.days ?? 30;
      const result = await manager.cleanup({ maxAgeDays: days, dryRun: options.dry_run === true });
      return `${result.dryRun ? "Would remove" : "Removed"} ${result.count} finished session(s) older than ${days} days.`;
    },
  };

  return {
    /** Answers one `/session <subcommand>` interaction. */
    async handle(interaction) {
      const handler = handlers[interaction.subcommand];
      if (!handler)
        return `Unknown subcommand \`${interaction.subcommand}\`. Try list, info, pause, resume, stats or cleanup.`;
      return handler({ ...interaction, options: interaction.options ?? {} });
    },
  };
}
