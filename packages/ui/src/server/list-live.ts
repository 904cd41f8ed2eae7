import type { SessionStore, WatchFilter } from "@sessionkit/core";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { filterFromQuery } from "./filters.js";
import { writeError } from "./live.js";

/** At most one `changed` per this many ms: a burst of commits costs the page one refetch. */
const COALESCE_MS = 250;

/**
 * Server-sent `changed` hints for the Sessions screen: one (coalesced) per burst of changes to
 * sessions that may match the filter, so the page refetches its current page and counts. The change
 * feed filters by user, channel, mode and status only; with time or metadata filters too it follows
 * that wider set, which costs a refetch now and then, never a missed row. A store without a change
 * feed answers `unsupported` and ends the stream: the list is then current as of its last load.
 */
export function listChangeRoutes(store: SessionStore, streams: Set<AbortController>): Hono {
  const app = new Hono();
  app.get("/changes", (c) =>
    streamSSE(c, async (stream) => {
      if (store.capabilities.watch !== true) {
        await stream.writeSSE({ event: "unsupported", data: "{}" });
        return;
      }
      const abort = new AbortController();
      streams.add(abort);
      stream.onAbort(() => abort.abort());
      let timer: ReturnType<typeof setTimeout> | undefined;
      let changes = 0;
      const flush = () => {
        timer = undefined;
        const count = changes;
        changes = 0;
        if (count > 0 && !abort.signal.aborted)
          stream.writeSSE({ event: "changed", data: JSON.stringify({ count }) }).catch(() => abort.abort());
      };
      try {
        const { userId, channelId, mode, status } = filterFromQuery(c.req.query());
        const scope: WatchFilter = {
          ...(userId === undefined ? {} : { userId }),
          ...(channelId === undefined ? {} : { channelId }),
          ...(mode === undefined ? {} : { mode }),
          ...(status === undefined ? {} : { status }),
        };
        await stream.writeSSE({ event: "ready", data: "{}" });
        for await (const _item of store.watch(scope, { signal: abort.signal })) {
          changes += 1;
          timer ??= setTimeout(flush, COALESCE_MS);
        }
      } catch (error) {
        if (!abort.signal.aborted) await writeError(stream, error);
      } finally {
        clearTimeout(timer);
        streams.delete(abort);
      }
    }),
  );
  return app;
}
