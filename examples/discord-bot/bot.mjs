// Wires the bot: a filesystem store, a manager, the /session handlers and the agent factory.
import { createSessionManager } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { runStandInAgent } from "./agent-runner.mjs";
import { createApprovals } from "./approvals.mjs";
import { createSessionAwareAgent } from "./session-aware-agent.mjs";
import { createSessionCommands } from "./session-commands.mjs";

/**
 * Opens the bot's sessions at `dir`; `close()` releases what it opened. Ownership is on: each run
 * claims its session (lease `leaseMs`, default 15 s, kept by heartbeats), and a sweeper every
 * `sweepIntervalMs` (default 5 s; null for none) pauses sessions whose bot crashed.
 */
export function createBot({
  dir,
  admins = [],
  clock,
  runAgent = runStandInAgent,
  webhooks,
  leaseMs,
  sweepIntervalMs = 5000,
}) {
  const store = createFsStore({ dir, ...(clock ? { clock } : {}) });
  const manager = createSessionManager({
    store,
    ownership: leaseMs ? { leaseMs } : true,
    ...(webhooks ? { webhooks } : {}),
  });
  if (sweepIntervalMs !== null) manager.startSweeper({ intervalMs: sweepIntervalMs });
  const commands = createSessionCommands({ manager, admins });
  return {
    manager,
    commands,
    /** The approval buttons (ask, pending, click). */
    approvals: createApprovals({ manager }),
    /** The SessionAwareAgent for one user in one channel. */
    agentFor(userId, channelId) {
      return createSessionAwareAgent({ manager, runAgent, userId, channelId });
    },
    async close() {
      await manager.close();
      await store.close();
    },
  };
}
