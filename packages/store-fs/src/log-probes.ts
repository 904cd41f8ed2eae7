import type { SessionEvent } from "@sessionkit/core/driver";
import { eachEventSpan } from "./line-events.js";
import { type LogLine, parseLine, readRange } from "./log-lines.js";

/**
 * Where a read of a session's log should start, found without reading it all: a bisection over
 * byte offsets (a seq range) or windows back from the end (the last events), each probe reading one
 * line's first event. Undefined/null answers send the caller to the whole-log read.
 */

/** Below this many bytes between the bounds, a bisection stops probing and scans forwards. */
const PROBE_FLOOR = 64 * 1024;
/** A line at least this long is walked for its events' spans rather than parsed whole. */
export const LONG_LINE = 64 * 1024;

/** Where a read runs: the open log, its committed end, the seqs wanted (inclusive), and for errors whose. */
export interface LogSpan {
  fd: number;
  end: number;
  from: number;
  last: number;
  id: string;
  component: string;
}

export function parseQuietly(text: string, id: string, component: string): LogLine | null {
  try {
    return parseLine(text, id, component);
  } catch {
    return null;
  }
}

export function parseEvent(bytes: Buffer, start: number, end: number): SessionEvent | null {
  try {
    const value: unknown = JSON.parse(bytes.toString("utf8", start, end));
    return isEvent(value) ? value : null;
  } catch {
    return null;
  }
}

export function isEvent(value: unknown): value is SessionEvent {
  return typeof value === "object" && value !== null && Number.isSafeInteger((value as SessionEvent).seq);
}

/**
 * A line start at or before the line holding seq `from`: the bisection keeps `lo` at a line whose
 * first event has seq <= from (or at 0) and moves `hi` below any probe past it. A probe that meets
 * a line it cannot read gives up with 0 (the read from the start then meets the same line).
 */
export function startOffset({ fd, end, from, id, component }: LogSpan): number {
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

/**
 * The start of the last line, within windows growing backwards from the end, whose first seq is at
 * or below `from` (0 once a window reaches the log's start); undefined when a line there cannot be
 * read (the whole-log read then reports it).
 */
export function tailStart({ fd, end, from, id, component }: LogSpan): number | undefined {
  for (let window = 64 * 1024; ; window *= 4) {
    const start = Math.max(0, end - window);
    if (start === 0) return 0;
    const bytes = readRange(fd, start, end);
    const first = bytes.indexOf(10) + 1;
    if (first === 0) continue;
    // The complete lines in the window, last first: the first one at or below `from` is the place.
    const starts: number[] = [];
    for (let at = first; at < bytes.length; at = bytes.indexOf(10, at) + 1) {
      starts.push(at);
      if (bytes.indexOf(10, at) < 0) break;
    }
    for (let k = starts.length - 1; k >= 0; k--) {
      const at = starts[k]!;
      const nl = bytes.indexOf(10, at);
      const seq = firstSeq(bytes.subarray(at, nl < 0 ? bytes.length : nl), id, component);
      if (seq === undefined) return undefined;
      if (seq !== null && seq <= from) return start + at;
    }
  }
}
