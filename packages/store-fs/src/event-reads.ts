import { closeSync, constants, openSync } from "node:fs";
import { errors, type SessionEvent } from "@sessionkit/core/driver";
import { eachEventSpan } from "./line-events.js";
import { type LogLine, parseLine, readRange, scanLines } from "./log-lines.js";
import type { StorePaths } from "./paths.js";
import { type LoadedSession, linked, NOFOLLOW } from "./session-load.js";

/** Below this many bytes between the bounds, a bisection stops probing and scans forwards. */
const PROBE_FLOOR = 64 * 1024;
/** A line at least this long is walked for its events' spans rather than parsed whole. */
const LONG_LINE = 64 * 1024;
/** First chunk of a forward read; each next one doubles, up to CHUNK_MAX. */
const CHUNK = 64 * 1024;
const CHUNK_MAX = 4 * 1024 * 1024;

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
  const fd = openLog(paths, id, component);
  try {
    const span: LogSpan = { fd, end: loaded.logEnd, from, last, id, component };
    const out = (loaded.skips ? null : readRangeDirect(span)) ?? readWholeLog(span);
    if (out.length !== last - from + 1)
      throw errors.corrupt(component, id, `log.jsonl holds fewer than ${last} events`);
    return out;
  } finally {
    closeSync(fd);
  }
}

/** What one read of a session's log wants: events from..last among the committed bytes (0..end) of `fd`. */
interface LogSpan {
  fd: number;
  end: number;
  from: number;
  last: number;
  /** The session, for error reports. */
  id: string;
  component: string;
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
 * The events from..last of a log without passed-over lines, parsing only those (and a few probes);
 * null when the bytes are not what such a log holds, for the whole-log read to report.
 */
function readRangeDirect({ fd, end, from, last, id, component }: LogSpan): SessionEvent[] | null {
  const start = from === 1 ? 0 : startOffset(fd, end, from, id, component);
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
    const bytes = readRange(fd, pos, Math.min(end, pos + size));
    let at = 0;
    for (let nl = bytes.indexOf(10); nl >= 0 && expected <= last; nl = bytes.indexOf(10, at)) {
      if (nl > at && !visitLine(bytes, at, nl)) return null;
      at = nl + 1;
    }
    if (at === 0 && pos + bytes.length >= end) return null;
    // A line longer than the chunk: read a larger one from the same place.
    size = at === 0 ? size * 2 : Math.min(size * 2, CHUNK_MAX);
    pos += at;
  }
  return out;
}

function parseQuietly(text: string, id: string, component: string): LogLine | null {
  try {
    return parseLine(text, id, component);
  } catch {
    return null;
  }
}

function parseEvent(bytes: Buffer, start: number, end: number): SessionEvent | null {
  try {
    const value: unknown = JSON.parse(bytes.toString("utf8", start, end));
    return isEvent(value) ? value : null;
  } catch {
    return null;
  }
}

function isEvent(value: unknown): value is SessionEvent {
  return typeof value === "object" && value !== null && Number.isSafeInteger((value as SessionEvent).seq);
}

/**
 * A line start at or before the line holding seq `from`: the bisection keeps `lo` at a line whose
 * first event has seq <= from (or at 0) and moves `hi` below any probe past it. A probe that meets
 * a line it cannot read gives up with 0 (the read from the start then meets the same line).
 */
function startOffset(fd: number, end: number, from: number, id: string, component: string): number {
  let lo = 0;
  let hi = end;
  while (hi - lo > PROBE_FLOOR) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const probe = firstEventAfter(fd, mid, hi, id, component);
    if (probe === undefined) return 0;
    if (probe !== null && probe.seq <= from) lo = probe.start;
    else hi = mid;
  }
  return lo;
}

/**
 * The first line starting after byte `pos` and before `limit` that holds events: its start and
 * first seq; null when there is none, undefined when a line there cannot be read.
 */
function firstEventAfter(
  fd: number,
  pos: number,
  limit: number,
  id: string,
  component: string,
): { start: number; seq: number } | null | undefined {
  let start = nextLineStart(fd, pos, limit);
  while (start !== null && start < limit) {
    const line = lineAt(fd, start, limit);
    if (line === null) return null;
    const seq = firstSeq(line.bytes, id, component);
    if (seq === undefined) return undefined;
    if (seq !== null) return { start, seq };
    start = line.next;
  }
  return null;
}

/** The seq of a line's first event; null when it has none, undefined when the line cannot be read. */
function firstSeq(bytes: Buffer, id: string, component: string): number | null | undefined {
  if (bytes.length < LONG_LINE) {
    const line = parseQuietly(bytes.toString("utf8"), id, component);
    if (line === null) return undefined;
    const first = line.ev[0];
    if (first === undefined) return null;
    return isEvent(first) ? first.seq : undefined;
  }
  let seq: number | null | undefined = null;
  const shaped = eachEventSpan(bytes, 0, bytes.length, (_index, s, e) => {
    seq = parseEvent(bytes, s, e)?.seq;
    return false;
  });
  return shaped ? seq : undefined;
}

/** The offset just past the first newline at or after `pos`, or null when none comes before `limit`. */
function nextLineStart(fd: number, pos: number, limit: number): number | null {
  for (let size = 4096; pos < limit; size *= 2) {
    const bytes = readRange(fd, pos, Math.min(limit, pos + size));
    const nl = bytes.indexOf(10);
    if (nl >= 0) return pos + nl + 1;
    if (pos + bytes.length >= limit) return null;
  }
  return null;
}

/** The line starting at `start` (without its newline) and where the next one starts. */
function lineAt(fd: number, start: number, limit: number): { bytes: Buffer; next: number } | null {
  for (let size = 4096; ; size *= 2) {
    const bytes = readRange(fd, start, Math.min(limit, start + size));
    const nl = bytes.indexOf(10);
    if (nl >= 0) return { bytes: bytes.subarray(0, nl), next: start + nl + 1 };
    if (start + bytes.length >= limit) return null;
  }
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
