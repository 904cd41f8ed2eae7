import type { SessionStore, WatchItem } from "@sessionkit/core";
import { Hono } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import { ownershipOf } from "./ownership.js";

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Server-sent events for one session: `session` (its state, whenever its version moves) and `events`
 * (new events after `after`, in seq order). It follows `store.watch` when the store has one and
 * polls otherwise; either way every send re-reads the store, so a wake-up is only a hint and
 * nothing is skipped or sent twice (events are sent strictly after the last seq sent).
 */
export function liveRoutes(store: SessionStore, pollIntervalMs: number, streams: Set<AbortController>): Hono {
  const app = new Hono();
  app.get("/sessions/:id/live", (c) => {
    const id = c.req.param("id");
    const after = Number(c.req.query("after") ?? 0);
    return streamSSE(c, async (stream) => {
      const abort = new AbortController();
      streams.add(abort);
      stream.onAbort(() => abort.abort());
      let lastSeq = Number.isInteger(after) && after >= 0 ? after : 0;
      let lastVersion = -1;
      const catchUp = async (): Promise<boolean> => {
        const session = await store.get(id);
        if (session === null) {
          await stream.writeSSE({ event: "gone", data: JSON.stringify({ id }) });
          return false;
        }
        while (session.eventCount > lastSeq && !abort.signal.aborted) {
          const events = await store.readEvents(id, { fromSeq: lastSeq + 1, limit: 1000 });
          if (events.length === 0) break;
          lastSeq = events[events.length - 1]!.seq;
          await stream.writeSSE({ event: "events", data: JSON.stringify(events) });
        }
        if (session.version !== lastVersion) {
          lastVersion = session.version;
          const ownership = ownershipOf(session, store.clock.now());
          await stream.writeSSE({ event: "session", data: JSON.stringify({ session, ownership }) });
        }
        return true;
      };
      try {
        if (!(await catchUp())) return;
        if (store.capabilities.watch === true) {
          try {
            for await (const item of store.watch(id, { since: lastSeq, signal: abort.signal })) {
              if (abort.signal.aborted) return;
              // One catch-up reads a whole commit: the other items of that commit are already sent.
              if (alreadySent(item, lastSeq, lastVersion)) continue;
              if (!(await catchUp())) return;
            }
            return;
          } catch (error) {
            // A store that claims the capability but refuses it; fall through to polling.
            if (abort.signal.aborted) return;
            if ((error as { code?: string }).code !== "ERR_UNSUPPORTED_CAPABILITY") throw error;
          }
        }
        while (!abort.signal.aborted) {
          await sleep(pollIntervalMs, abort.signal);
          if (abort.signal.aborted || !(await catchUp())) return;
        }
      } catch (error) {
        if (!abort.signal.aborted) await writeError(stream, error);
      } finally {
        streams.delete(abort);
      }
    });
  });
  return app;
}

/** Whether a watch item's change is already in what was sent (events up to `seq`, state at `version`). */
function alreadySent(item: WatchItem, seq: number, version: number): boolean {
  if (item.change.kind === "deleted") return false;
  if (item.event) return item.event.seq <= seq;
  return item.change.version !== undefined && item.change.version <= version;
}

/** Ends a stream with a `failure` event carrying the error's code. */
export async function writeError(stream: SSEStreamingApi, error: unknown): Promise<void> {
  const code = (error as { code?: string }).code ?? "ERR_INTERNAL";
  const message = error instanceof Error ? error.message : String(error);
  await stream.writeSSE({ event: "failure", data: JSON.stringify({ code, message }) }).catch(() => {});
}
