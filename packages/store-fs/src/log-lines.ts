import { readSync } from "node:fs";
import { errors, type Session, type SessionEvent, type SessionKitError } from "@sessionkit/core/driver";

/** One line of log.jsonl: the version it produces, the changed fields, removed fields, events. */
export interface LogLine {
  v: number;
  set?: Record<string, unknown>;
  unset?: string[];
  ev: SessionEvent[];
}

/** Reads the bytes [from, to) of an open file. */
export function readRange(fd: number, from: number, to: number): Buffer {
  const buffer = Buffer.allocUnsafe(Math.max(0, to - from));
  let done = 0;
  while (done < buffer.length) {
    const n = readSync(fd, buffer, done, buffer.length - done, from + done);
    if (n === 0) break;
    done += n;
  }
  return done === buffer.length ? buffer : buffer.subarray(0, done);
}

/** Marks an error a reader may settle by reading once more (it met a writer mid-way). */
export function retryable(error: SessionKitError): SessionKitError {
  error.details.retryable = true;
  return error;
}

/** Parses one committed line of log.jsonl; a malformed one is a (retryable) corrupt record. */
export function parseLine(text: string, id: string, component: string): LogLine {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    throw retryable(errors.corrupt(component, id, "a committed line of log.jsonl is not valid JSON"));
  }
  const value = line as LogLine;
  if (
    line === null ||
    typeof line !== "object" ||
    !Number.isSafeInteger(value.v) ||
    !Array.isArray(value.ev)
  ) {
    throw retryable(errors.corrupt(component, id, "a committed line of log.jsonl is malformed"));
  }
  return value;
}

/** What a forward scan of log lines found. */
export interface ScanResult {
  /** Offset just past the last line accepted, relative to the scanned buffer. */
  end: number;
  /** Lines accepted. */
  commits: number;
  /** True when a line was passed over: a late duplicate version or a fragment left by a killed writer. */
  skipped: boolean;
  /** True when bytes after `end` are not just blank or late lines: a fragment, or a line with no newline yet. */
  tail: boolean;
}

/**
 * Walks the complete lines of `buffer` in order and hands each accepted one to `accept`. The log is
 * append-only and nothing is ever written at a remembered offset, so two kinds of line are passed over:
 * a line whose version is not above the last accepted one (a writer paused past the stale time wrote
 * it after its successor's commits: the first line of a version wins, the late one is harmless), and
 * a line that does not parse (a fragment of a killed writer, terminated by the next writer's newline).
 * Such a fragment only counts as skipped when an accepted line follows it; trailing bytes that are
 * not followed by an accepted line are the uncommitted tail. A version that jumps ahead is corrupt.
 * `version`: the version before the first line, or null to take it from the first line (a whole log).
 */
export function scanLines(
  buffer: Buffer,
  version: number | null,
  id: string,
  component: string,
  accept: (line: LogLine, start: number, end: number) => void,
): ScanResult {
  let last = version;
  let pos = 0;
  let end = 0;
  let commits = 0;
  let skipped = false;
  let fragment = false;
  for (;;) {
    const nl = buffer.indexOf(10, pos);
    if (nl < 0) break;
    const start = pos;
    pos = nl + 1;
    if (nl === start) continue;
    let line: LogLine;
    try {
      line = parseLine(buffer.toString("utf8", start, nl), id, component);
    } catch {
      fragment = true;
      continue;
    }
    if (last !== null && line.v <= last) {
      skipped = true;
      continue;
    }
    if (last !== null && line.v !== last + 1) {
      throw retryable(
        errors.corrupt(component, id, `log.jsonl holds version ${line.v} after version ${last}`),
      );
    }
    accept(line, start, pos);
    if (fragment) skipped = true;
    fragment = false;
    last = line.v;
    end = pos;
    commits += 1;
  }
  return { end, commits, skipped, tail: fragment || pos < buffer.length };
}

/** Applies one committed log line to the state before it. */
export function applyLine(session: Session, line: LogLine, id: string, component: string): Session {
  if (line.v !== session.version + 1) {
    throw retryable(
      errors.corrupt(component, id, `log.jsonl holds version ${line.v} after version ${session.version}`),
    );
  }
  const next = { ...session } as Record<string, unknown>;
  if (line.set) for (const key of Object.keys(line.set)) next[key] = line.set[key];
  if (line.unset) for (const key of line.unset) delete next[key];
  next.version = line.v;
  const result = next as unknown as Session;
  const first = line.ev[0];
  if (first && first.seq !== session.eventCount + 1) {
    throw retryable(
      errors.corrupt(
        component,
        id,
        `log.jsonl continues at seq ${first.seq} after ${session.eventCount} events`,
      ),
    );
  }
  if (result.eventCount !== session.eventCount + line.ev.length) {
    throw retryable(errors.corrupt(component, id, "log.jsonl and eventCount disagree"));
  }
  return result;
}

/** The log line that turns `current` into `next` with `events`. */
export function diffLine(current: Session, next: Session, events: SessionEvent[]): LogLine {
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  const before = current as unknown as Record<string, unknown>;
  const after = next as unknown as Record<string, unknown>;
  for (const key of Object.keys(after)) {
    if (key === "version") continue;
    // The wrapper copies the state shallowly, so an unchanged field keeps its identity.
    if (after[key] !== undefined && after[key] !== before[key]) set[key] = after[key];
  }
  for (const key of Object.keys(before)) {
    if (after[key] === undefined && before[key] !== undefined) unset.push(key);
  }
  const line: LogLine = { v: next.version, set, ev: events };
  if (unset.length > 0) line.unset = unset;
  return line;
}
