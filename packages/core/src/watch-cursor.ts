import { SessionKitError } from "./errors.js";

/**
 * A decoded watch cursor. `pos` is a place in the store-wide change log and `seq` the last event
 * delivered there (the session's event count, for an item without event). A "replay" cursor comes
 * from an event read back by seq: its `pos` is only a lower bound, so resuming replays by seq again.
 */
export interface WatchPosition {
  pos: number;
  seq: number;
  replay: boolean;
}

const PREFIX = "wc1";

/** The opaque text of a position: base64url, so callers do not build or parse cursors themselves. */
export function encodeWatchCursor(position: WatchPosition): string {
  const text = `${PREFIX}:${position.replay ? "r" : "p"}:${position.pos}:${position.seq}`;
  return Buffer.from(text, "utf8").toString("base64url");
}

/** Decodes a cursor of encodeWatchCursor; ERR_INVALID_CURSOR for anything else. */
export function decodeWatchCursor(cursor: string, component: string): WatchPosition {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  const match = /^wc1:([pr]):(\d{1,16}):(\d{1,16})$/.exec(text);
  const pos = Number(match?.[2]);
  const seq = Number(match?.[3]);
  if (!match || !Number.isSafeInteger(pos) || !Number.isSafeInteger(seq)) {
    throw new SessionKitError(
      "ERR_INVALID_CURSOR",
      `[${component}] Expected \`since\` to be the cursor of an earlier watch item, a seq or "start", got ${JSON.stringify(cursor.slice(0, 60))}. Pass item.cursor unchanged.`,
      { details: { field: "since" } },
    );
  }
  return { pos, seq, replay: match[1] === "r" };
}
