import type { SessionEvent, SessionStore } from "@sessionkit/core";
import { Hono } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import { ownershipOf } from "./ownership.js";

/** The change feed of issue 18, looked up structurally so the inspector works before and after it exists. */
type WatchItem = { event?: SessionEvent; sessionId?: string };
type Watch = (scope: string, options: { since?: number; signal?: AbortSignal }) => AsyncIterable<WatchItem>;

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
        const watch = (store as unknown as { watch?: Watch }).watch;
        if (typeof watch === "function") {
          try {
            for await (const _item of watch.call(store, id, { since: lastSeq, signal: abort.signal })) {
              if (abort.signal.aborted || !(await catchUp())) return;
            }
            return;
          } catch (error) {
            // A store that claims no watch capability refuses it; fall through to polling.
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

async function writeError(stream: SSEStreamingApi, error: unknown): Promise<void> {
  const code = (error as { code?: string }).code ?? "ERR_INTERNAL";
  const message = error instanceof Error ? error.message : String(error);
  await stream.writeSSE({ event: "failure", data: JSON.stringify({ code, message }) }).catch(() => {});
}
