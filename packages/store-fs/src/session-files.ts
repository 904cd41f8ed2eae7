import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import {
  decodeRecord,
  encodeRecord,
  errors,
  isSessionKitError,
  type Session,
  type SessionEvent,
  type SessionKitError,
} from "@sessionkit/core/driver";
import { errnoCode } from "./fsio.js";
import type { StorePaths } from "./paths.js";

/** A session as found on disk, with where its committed log ends. */
export interface LoadedSession {
  session: Session;
  /** 1 for a record the seed module wrote (history inside), 2 for ours. */
  schemaVersion: number;
  /** Seed records only: the history kept inside session.json. */
  legacyHistory?: SessionEvent[];
  /** Byte length of log.jsonl covered by committed lines; anything beyond is a torn tail. */
  logEnd: number;
  /** Actual size of log.jsonl when read (-1 when there is none). */
  logSize: number;
  /** Commits in the log after the session.json checkpoint, and their bytes. */
  tailCommits: number;
  tailBytes: number;
  /** The status in the checkpoint, to checkpoint again when it changes. */
  checkpointStatus: Session["status"];
}

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

/** The text of session.json for a state whose log is committed up to `logEnd`. */
export function checkpointBuffer(session: Session, logEnd: number): Buffer {
  return Buffer.from(`${JSON.stringify({ ...encodeRecord(session), logOffset: logEnd }, null, 2)}\n`, "utf8");
}

/**
 * Reads a session: its checkpoint (session.json) and the log lines committed after it. Never
 * reads the history before the checkpoint. Null when there is no session.json.
 */
export function loadSession(
  paths: StorePaths,
  id: string,
  component: string,
  logFd?: number,
): LoadedSession | null {
  try {
    return loadOnce(paths, id, component, logFd);
  } catch (error) {
    // A reader can meet a log whose torn tail a writer is truncating, or a session deleted and
    // re-created between its two reads; one more read settles both.
    if (
      isSessionKitError(error, "ERR_CORRUPT_RECORD") &&
      error.details.retryable === true &&
      logFd === undefined
    ) {
      return loadOnce(paths, id, component, undefined);
    }
    throw error;
  }
}

/** `logFd`: the log already opened by a writer holding the lock (saves an open and a close). */
function loadOnce(
  paths: StorePaths,
  id: string,
  component: string,
  logFd: number | undefined,
): LoadedSession | null {
  let text: string;
  try {
    text = readFileSync(paths.record(id), "utf8");
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    if (code === "EISDIR") throw errors.corrupt(component, id, "session.json is a directory");
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw errors.corrupt(component, id, "session.json is not valid JSON", error);
  }
  const decoded = decodeRecord(raw, id, component);
  if (decoded.schemaVersion === 1) {
    return {
      session: decoded.session,
      schemaVersion: 1,
      legacyHistory: decoded.legacyHistory ?? [],
      logEnd: 0,
      logSize: -1,
      tailCommits: 0,
      tailBytes: 0,
      checkpointStatus: decoded.session.status,
    };
  }
  const offset = (raw as { logOffset?: unknown }).logOffset;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
    throw errors.corrupt(component, id, "session.json has no valid `logOffset`");
  }
  let fd: number;
  try {
    fd = logFd ?? openSync(paths.log(id), "r");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") throw retryable(errors.corrupt(component, id, "log.jsonl is missing"));
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < offset)
      throw retryable(
        errors.corrupt(component, id, `log.jsonl is ${size} bytes, less than the ${offset} committed`),
      );
    const tail = readRange(fd, offset, size);
    let session = decoded.session;
    let pos = 0;
    let commits = 0;
    for (;;) {
      const nl = tail.indexOf(10, pos);
      if (nl < 0) break;
      const line = parseLine(tail.toString("utf8", pos, nl), id, component);
      session = applyLine(session, line, id, component);
      pos = nl + 1;
      commits += 1;
    }
    return {
      session,
      schemaVersion: 2,
      logEnd: offset + pos,
      logSize: size,
      tailCommits: commits,
      tailBytes: pos,
      checkpointStatus: decoded.session.status,
    };
  } finally {
    if (logFd === undefined) closeSync(fd);
  }
}

function retryable(error: SessionKitError): SessionKitError {
  error.details.retryable = true;
  return error;
}

function parseLine(text: string, id: string, component: string): LogLine {
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
function applyLine(session: Session, line: LogLine, id: string, component: string): Session {
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
  const fd = openSync(paths.log(id), "r");
  let buffer: Buffer;
  try {
    buffer = readRange(fd, 0, loaded.logEnd);
  } finally {
    closeSync(fd);
  }
  const out: SessionEvent[] = [];
  let expected = 1;
  let pos = 0;
  while (pos < buffer.length && expected <= last) {
    const nl = buffer.indexOf(10, pos);
    if (nl < 0) break;
    const line = parseLine(buffer.toString("utf8", pos, nl), id, component);
    pos = nl + 1;
    for (const event of line.ev) {
      if (event.seq !== expected)
        throw errors.corrupt(component, id, `log.jsonl skips from seq ${expected - 1} to ${event.seq}`);
      expected += 1;
      if (event.seq >= from && event.seq <= last) out.push(event);
    }
  }
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
  if (loaded.legacyHistory || count === 0 || total === 0) {
    return count === 0 ? [] : readLoggedEvents(paths, id, loaded, from, total, component);
  }
  const fd = openSync(paths.log(id), "r");
  try {
    for (let window = 64 * 1024; ; window *= 4) {
      const start = Math.max(0, loaded.logEnd - window);
      const buffer = readRange(fd, start, loaded.logEnd);
      let pos = 0;
      if (start > 0) pos = buffer.indexOf(10) + 1;
      if (start > 0 && pos === 0) continue;
      const events: SessionEvent[] = [];
      while (pos < buffer.length) {
        const nl = buffer.indexOf(10, pos);
        if (nl < 0) break;
        events.push(...parseLine(buffer.toString("utf8", pos, nl), id, component).ev);
        pos = nl + 1;
      }
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
