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
