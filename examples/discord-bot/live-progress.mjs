// Posts live progress of a session that another process runs, from the store's change feed
// (store.watch): no polling, and resumable: pass the returned cursor as `since` after a restart.

const TERMINAL = new Set(["completed", "failed", "timeout"]);

/** One line for a channel, or null for events not worth a message. */
export function progressLine(item) {
  const { event, change } = item;
  if (!event) return change.kind === "deleted" ? "🗑️ session deleted" : null;
  const data = event.data ?? {};
  switch (event.type) {
    case "iteration":
      return `⏳ iteration ${data.iteration ?? data.iterations ?? "?"}`;
    case "tool_call":
      return `🔧 ${data.tool ?? "tool"}`;
    case "complete":
    case "completed":
      return `✅ completed${data.result ? `: ${data.result}` : ""}`;
    case "fail":
    case "failed":
      return `❌ failed${data.error ? `: ${data.error}` : ""}`;
    case "pause":
    case "paused":
      return "⏸️ paused";
    default:
      return null;
  }
}

/**
 * Watches `sessionId` from `since` (default 0: its whole history) and calls `post(line)` for each
 * progress line, until the session reaches a terminal status, is deleted, or `signal` aborts.
 * Resolves with the last cursor seen (resume from it with `since`).
 */
export async function postLiveProgress({ store, sessionId, post, since = 0, signal }) {
  let cursor;
  for await (const item of store.watch(sessionId, { since, signal })) {
    cursor = item.cursor;
    const line = progressLine(item);
    if (line) await post(line);
    if (item.change.kind === "deleted") break;
    // The manager's terminal transitions append one event: after it, nothing more comes.
    if (TERMINAL.has(item.change.status)) break;
  }
  return cursor;
}
