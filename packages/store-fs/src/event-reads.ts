import { closeSync, constants, openSync } from "node:fs";
import { errors, type SessionEvent } from "@sessionkit/core/driver";
import { readRange, scanLines } from "./log-lines.js";
import type { StorePaths } from "./paths.js";
import { type LoadedSession, linked, NOFOLLOW } from "./session-load.js";

/** Events with from <= seq <= to among those committed (the log up to `logEnd`), ascending. */
export function readLoggedEvents(
  paths: StorePaths,
  id: string,
  loaded: LoadedSession,
  from: number,
  to: number,
  component: string,
): SessionEvent[] {
  const last = Math.min(to, loaded.session.eventCount);
  if (from > last) return [];
  if (loaded.legacyHistory) return loaded.legacyHistory.slice(from - 1, last);
  const fd = openLog(paths, id, component);
  let buffer: Buffer;
  try {
    buffer = readRange(fd, 0, loaded.logEnd);
  } finally {
    closeSync(fd);
  }
  const out: SessionEvent[] = [];
  let expected = 1;
  scanLines(buffer, null, id, component, (line) => {
    for (const event of line.ev) {
      if (event.seq !== expected)
        throw errors.corrupt(component, id, `log.jsonl skips from seq ${expected - 1} to ${event.seq}`);
      expected += 1;
      if (event.seq >= from && event.seq <= last) out.push(event);
    }
  });
  if (out.length !== last - from + 1)
    throw errors.corrupt(component, id, `log.jsonl holds fewer than ${last} events`);
  return out;
}

/** The last `count` committed events, reading the log backwards from its committed end. */
export function readLastLoggedEvents(
  paths: StorePaths,
  id: string,
  loaded: LoadedSession,
  count: number,
  component: string,
): SessionEvent[] {
  const total = loaded.session.eventCount;
  const from = Math.max(1, total - count + 1);
  // Backwards, a window cannot tell a late duplicate line from the one it repeats: read forwards then.
  if (loaded.legacyHistory || loaded.skips || count === 0 || total === 0) {
    return count === 0 ? [] : readLoggedEvents(paths, id, loaded, from, total, component);
  }
  const fd = openLog(paths, id, component);
  try {
    for (let window = 64 * 1024; ; window *= 4) {
      const start = Math.max(0, loaded.logEnd - window);
      const buffer = readRange(fd, start, loaded.logEnd);
      let pos = 0;
      if (start > 0) pos = buffer.indexOf(10) + 1;
      if (start > 0 && pos === 0) continue;
      const events: SessionEvent[] = [];
      scanLines(buffer.subarray(pos), null, id, component, (line) => events.push(...line.ev));
      const firstSeq = events[0]?.seq ?? total + 1;
      if (firstSeq <= from || start === 0) {
        const out = events.filter((event) => event.seq >= from && event.seq <= total);
        if (out.length !== total - from + 1)
          throw errors.corrupt(component, id, "log.jsonl and eventCount disagree");
        return out;
      }
    }
  } finally {
    closeSync(fd);
  }
}

function openLog(paths: StorePaths, id: string, component: string): number {
  try {
    return openSync(paths.log(id), constants.O_RDONLY | NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw linked(component, id, "log.jsonl");
    throw error;
  }
}
