import { isSessionKitError } from "./errors.js";
import type { SessionEvent } from "./model.js";
import { encodeWatchCursor, type WatchPosition } from "./watch-cursor.js";
import type { HubEntry, WatchHub } from "./watch-hub.js";
import { type ParsedScope, scopeMatches } from "./watch-scope.js";
import type { ChangeRecord, WatchChange, WatchItem } from "./watch-types.js";

/** Wait before re-reading when the log said "more" but nothing could be read yet. */
const IDLE_RETRY_MS = 20;

function pause(ms: number, signal: AbortSignal | undefined, hub: WatchHub): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const offAbort = hub.onAbort(signal, done);
    function done() {
      clearTimeout(timer);
      offAbort();
      resolve();
    }
  });
}

/** Where a watch starts: now, a cursor, the log's start, or (one session) after a seq. */
export type WatchStart =
  | { kind: "now" }
  | { kind: "start" }
  | { kind: "cursor"; position: WatchPosition }
  | { kind: "seq"; seq: number };

/** Reads a session's events fromSeq.. (one page); [] when the session does not exist. */
export type HistoryReader = (id: string, fromSeq: number) => Promise<SessionEvent[]>;

/**
 * ERR_CURSOR_EXPIRED from a store names the oldest kept pos; callers get it as a cursor too
 * (`details.oldestCursor`): `since` it resumes with the oldest change the log still holds.
 */
function withOldestCursor(error: unknown): unknown {
  if (!isSessionKitError(error, "ERR_CURSOR_EXPIRED")) return error;
  const oldest = error.details.oldest;
  if (typeof oldest === "number" && Number.isSafeInteger(oldest) && oldest > 0) {
    error.details.oldestCursor = encodeWatchCursor({ pos: oldest, seq: 0, replay: false });
  }
  return error;
}

function describe(change: ChangeRecord): WatchChange {
  const status = change.after?.status;
  return { kind: change.kind, version: change.version, ...(status ? { status } : {}) };
}

/**
 * The items of one watcher. Pull-based: nothing is read ahead of the consumer, so a slow consumer
 * only holds its position; the shared hub's window is bounded and a watcher behind it reads the
 * store from its position. Order: the store-wide commit order, so per session the commit order.
 * An item (pos, seq) is delivered when it is after the start position; for one session, events
 * are also never delivered twice by seq (a replay by seq and the live log overlap by design).
 */
export async function* watchItems(
  hub: WatchHub,
  scope: ParsedScope,
  start: WatchStart,
  readHistory: HistoryReader,
  signal: AbortSignal | undefined,
): AsyncGenerator<WatchItem> {
  const leave = hub.join(scope);
  const offAbort = hub.onAbort(signal, leave);
  const sessionId = "sessionId" in scope ? scope.sessionId : undefined;
  try {
    let from: WatchPosition;
    let after: number;
    let lastSeq: number | undefined;
    if (start.kind === "cursor" && !(start.position.replay && sessionId)) {
      from = start.position;
      after = from.pos - 1;
    } else if (start.kind === "start") {
      from = { pos: 0, seq: Number.MAX_SAFE_INTEGER, replay: false };
      after = 0;
    } else {
      const head = await hub.head();
      from = { pos: head, seq: Number.MAX_SAFE_INTEGER, replay: false };
      after = head;
      if (sessionId && start.kind !== "now") {
        // Replay by seq: the history as stored now, then the log from the head read before it.
        lastSeq = start.kind === "seq" ? start.seq : start.position.seq;
        for (;;) {
          const events = await readHistory(sessionId, lastSeq + 1);
          if (events.length === 0) break;
          for (const event of events) {
            if (signal?.aborted) return;
            lastSeq = event.seq;
            yield {
              cursor: encodeWatchCursor({ pos: head, seq: event.seq, replay: true }),
              sessionId,
              change: { kind: "replayed" },
              event,
            };
          }
        }
      }
    }
    let sawDelete = false;
    let empty = 0;
    for (;;) {
      if (signal?.aborted) return;
      const batch: HubEntry[] = await hub.read(after).catch((error: unknown) => {
        throw withOldestCursor(error);
      });
      if (batch.length === 0) {
        // A head past what can be read (a change not yet visible here) must not spin the loop.
        empty += 1;
        if (empty > 1) await pause(IDLE_RETRY_MS, signal, hub);
        after = await hub.waitPast(after, scope, signal);
        continue;
      }
      empty = 0;
      for (const entry of batch) {
        const change = entry.change;
        after = change.pos;
        if (!scopeMatches(scope, change)) continue;
        const described = describe(change);
        if (change.kind === "deleted") sawDelete = true;
        // The same id created again after a delete numbers its events from 1 once more.
        if (change.kind === "created" && sawDelete && lastSeq !== undefined) lastSeq = 0;
        if (change.toSeq < change.fromSeq) {
          const seq = change.toSeq;
          if (change.pos === from.pos && seq <= from.seq) continue;
          if (signal?.aborted) return;
          yield {
            cursor: encodeWatchCursor({ pos: change.pos, seq, replay: false }),
            sessionId: change.sessionId,
            change: described,
          };
          continue;
        }
        const events = await entry.events();
        for (const event of events) {
          if (change.pos === from.pos && event.seq <= from.seq) continue;
          if (lastSeq !== undefined && event.seq <= lastSeq) continue;
          if (signal?.aborted) return;
          if (sessionId) lastSeq = event.seq;
          yield {
            cursor: encodeWatchCursor({ pos: change.pos, seq: event.seq, replay: false }),
            sessionId: change.sessionId,
            change: described,
            event,
          };
        }
      }
    }
  } catch (error) {
    if (signal?.aborted && !isSessionKitError(error, "ERR_STORE_CLOSED")) return;
    throw error;
  } finally {
    offAbort();
    leave();
  }
}
