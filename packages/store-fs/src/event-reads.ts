import { closeSync, constants, openSync } from "node:fs";
import { errors, type SessionEvent } from "@sessionkit/core/driver";
import { eachEventSpan } from "./line-events.js";
import { readRange, scanLines } from "./log-lines.js";
import {
  isEvent,
  LONG_LINE,
  type LogSpan,
  parseEvent,
  parseQuietly,
  startOffset,
  tailStart,
} from "./log-probes.js";
import type { StorePaths } from "./paths.js";
import { type LoadedSession, linked, NOFOLLOW } from "./session-load.js";

/** First chunk of a forward read; each next one doubles, up to CHUNK_MAX. */
const CHUNK = 64 * 1024;
const CHUNK_MAX = 4 * 1024 * 1024;
/** The longest start of a long line walked before the whole line is read (see readRangeDirect). */
const PARTIAL_MAX = 1024 * 1024;

/**
 * Events with from <= seq <= to among those committed (the log up to `logEnd`), ascending. A log
 * free of passed-over lines (late duplicates, fragments) is ordered by seq, so only the events from
 * `from` to `to` are parsed: a bisection over byte offsets finds where to start, and one long line
 * (an imported history) is walked, not parsed, up to them. Any surprise on the way, and any log that
 * holds passed-over lines, takes the whole-log read, whose rules (the first line of a version wins)
 * and error reports stay the reference.
 */
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
  return withLog(paths, { id, component, end: loaded.logEnd, from, last }, (span) => {
    const start = loaded.skips ? undefined : from === 1 ? 0 : startOffset(span);
    return start === undefined ? undefined : readRangeDirect(span, start);
  });
}

/**
 * Opens the log, tries `direct` (undefined: not tried; null: the bytes were not what it expects) and
 * otherwise reads the whole log; checks the count of events returned against the range.
 */
function withLog(
  paths: StorePaths,
  range: Omit<LogSpan, "fd">,
  direct: (span: LogSpan) => SessionEvent[] | null | undefined,
): SessionEvent[] {
  const fd = openLog(paths, range.id, range.component);
  try {
    const span = { ...range, fd };
    const out = direct(span) ?? readWholeLog(span);
    if (out.length !== span.last - span.from + 1)
      throw errors.corrupt(span.component, span.id, `log.jsonl holds fewer than ${span.last} events`);
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Every committed line parsed in order by the store's scan rules; keeps the events from..last. */
function readWholeLog({ fd, end, from, last, id, component }: LogSpan): SessionEvent[] {
  const out: SessionEvent[] = [];
  let expected = 1;
  scanLines(readRange(fd, 0, end), null, id, component, (line) => {
    for (const event of line.ev) {
      if (event.seq !== expected)
        throw errors.corrupt(component, id, `log.jsonl skips from seq ${expected - 1} to ${event.seq}`);
      expected += 1;
      if (event.seq >= from && event.seq <= last) out.push(event);
    }
  });
  return out;
}

/**
 * The events from..last of a log without passed-over lines, read forwards from the line start
 * `start` (at or before the line holding `from`), parsing only those (a long line is walked for its
 * spans); null when the bytes are not what such a log holds, for the whole-log read to report.
 */
function readRangeDirect(span: LogSpan, start: number): SessionEvent[] | null {
  const { fd, end, from, last, id, component } = span;
  const out: SessionEvent[] = [];
  // The seq the next event must carry; -1 after a bisection until the first event, which must be <= from.
  let expected = start === 0 ? 1 : -1;
  const advance = (seq: number): boolean => {
    if (expected === -1) {
      if (seq > from) return false;
      expected = seq;
    }
    if (seq !== expected) return false;
    expected += 1;
    return true;
  };
  const visitLine = (bytes: Buffer, a: number, b: number): boolean => {
    if (b - a < LONG_LINE) {
      const line = parseQuietly(bytes.toString("utf8", a, b), id, component);
      if (line === null) return false;
      for (const event of line.ev) {
        if (!isEvent(event) || !advance(event.seq)) return false;
        if (event.seq >= from && event.seq <= last) out.push(event);
      }
      return true;
    }
    return walkLong(bytes, a, b);
  };
  /** Walks a long line's event spans (all of it, or the start of it a chunk holds); false on a surprise. */
  const walkLong = (bytes: Buffer, a: number, b: number): boolean => {
    let ok = true;
    const shaped = eachEventSpan(bytes, a, b, (_index, s, e) => {
      // Known seqs below `from` are passed over unparsed; the first one after a bisection is read.
      if (expected !== -1 && expected < from) {
        expected += 1;
        return true;
      }
      if (expected > last) return false;
      const event = parseEvent(bytes, s, e);
      ok = event !== null && advance(event.seq);
      if (ok && event && event.seq >= from) out.push(event);
      return ok && expected <= last;
    });
    return ok && shaped;
  };
  let pos = start;
  let size = CHUNK;
  while (pos < end && expected <= last) {
    let chunk = readRange(fd, pos, Math.min(end, pos + size));
    // A long line starts here (an import): its first events may be all the range needs, so the
    // complete spans of a chunk (64 KB, doubled up to PARTIAL_MAX) are walked before the rest of the
    // line is read. (The first 500 events of a 50,000-event import read all ~6.5 MB of it first:
    // ~200 ms CPU cold, 21 ms warm.)
    while (chunk.length >= LONG_LINE && chunk.indexOf(10) < 0) {
      const mark = { expected, length: out.length };
      if (walkLong(chunk, 0, chunk.length) && expected > last) return out;
      // At the density walked so far, would the range end within PARTIAL_MAX? If not, read the line.
      const walked = expected - Math.max(mark.expected, 1);
      const needed = walked > 0 ? (chunk.length * (last - Math.max(mark.expected, 1) + 1)) / walked : 0;
      expected = mark.expected;
      out.length = mark.length;
      if (needed > PARTIAL_MAX || chunk.length >= PARTIAL_MAX || pos + chunk.length >= end) break;
      chunk = readRange(fd, pos, Math.min(end, pos + chunk.length * 2));
    }
    const bytes = throughNewline(fd, pos, end, chunk);
    if (bytes === null) return null;
    let at = 0;
    for (let nl = bytes.indexOf(10); nl >= 0 && expected <= last; nl = bytes.indexOf(10, at)) {
      if (nl > at && !visitLine(bytes, at, nl)) return null;
      at = nl + 1;
    }
    size = Math.min(size * 2, CHUNK_MAX);
    pos += at;
  }
  return out;
}

/**
 * `first` (the bytes from `pos`), extended until it holds a newline: a line longer than the chunk
 * (an imported history, ~7.5 MB for 50,000 events) is read on in pieces, each searched once, and
 * joined once. Re-reading it from `pos` in doubling chunks read and searched it about twice over
 * (64 KB + 128 KB + … + 8 MB). Null when no newline comes before `end`.
 */
function throughNewline(fd: number, pos: number, end: number, first: Buffer): Buffer | null {
  if (first.indexOf(10) >= 0) return first;
  const pieces = [first];
  let at = pos + first.length;
  for (let size = CHUNK; at < end; size = Math.min(size * 2, CHUNK_MAX)) {
    const piece = readRange(fd, at, Math.min(end, at + size));
    pieces.push(piece);
    at += piece.length;
    if (piece.indexOf(10) >= 0) return Buffer.concat(pieces);
  }
  return null;
}

/**
 * The last `count` committed events. Backwards windows (×4 each) find the last line start whose first
 * seq is at or below the first one wanted; the read then runs forwards from there like a range read,
 * so a long imported line is walked for its spans, and only the returned events are parsed. (The
 * windows were parsed whole: a 50,000-event import line, ~7.5 MB of JSON, for one event.)
 */
export function readLastLoggedEvents(
  paths: StorePaths,
  id: string,
  loaded: LoadedSession,
  count: number,
  component: string,
): SessionEvent[] {
  const total = loaded.session.eventCount;
  if (count === 0 || total === 0) return [];
  const from = Math.max(1, total - count + 1);
  // Backwards, a window cannot tell a late duplicate line from the one it repeats: read forwards then.
  if (loaded.legacyHistory || loaded.skips)
    return readLoggedEvents(paths, id, loaded, from, total, component);
  return withLog(paths, { id, component, end: loaded.logEnd, from, last: total }, (span) => {
    const start = tailStart(span);
    return start === undefined ? undefined : readRangeDirect(span, start);
  });
}

function openLog(paths: StorePaths, id: string, component: string): number {
  try {
    return openSync(paths.log(id), constants.O_RDONLY | NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw linked(component, id, "log.jsonl");
    throw error;
  }
}
