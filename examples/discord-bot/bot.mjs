// Wires the bot: a filesystem store, a manager, the /session handlers and the agent factory.
import { createSessionManager } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { runStandInAgent } from "./agent-runner.mjs";
import { createSessionAwareAgent } from "./session-aware-agent.mjs";
import { createSessionCommands } from "./session-commands.mjs";

/** Opens the bot's sessions at `dir`; `close()` releases what it opened. */
export function createBot({ dir, admins = [], clock, runAgent = runStandInAgent, webhooks }) {
  const store = createFsStore({ dir, ...(clock ? { clock } : {}) });
  const manager = createSessionManager({ store, ...(webhooks ? { webhooks } : {}) });
  const commands = createSessionCommands({ manager, admins });
  return {
    manager,
    commands,
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
