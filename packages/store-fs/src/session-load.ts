import { closeSync, constants, fstatSync, lstatSync, openSync, statSync } from "node:fs";
import {
  decodeRecord,
  encodeRecord,
  errors,
  isSessionKitError,
  parseStoredJson,
  type Session,
  type SessionEvent,
} from "@sessionkit/core/driver";
import { errnoCode } from "./fsio.js";
import { applyLine, readRange, retryable, scanLines } from "./log-lines.js";
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
  /** False when the log ends in a torn fragment: the next line starts with a newline to end it. */
  endsWithNewline: boolean;
  /** The committed log holds lines readers pass over (late duplicates, fragments): read it forwards only. */
  skips: boolean;
}

/** True when session `id` has a session.json (read under its lock, this is whether it exists). */
export function sessionExists(paths: StorePaths, id: string): boolean {
  try {
    statSync(paths.record(id));
    return true;
  } catch (error) {
    const code = errnoCode(error);
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    return false;
  }
}

/** Opens files inside a session directory without following a symbolic link planted there. */
export const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** Refuses a session directory that is a symbolic link (it would lead out of the store). */
export function assertNotLinked(paths: StorePaths, id: string, component: string): void {
  try {
    if (lstatSync(paths.sessionDir(id)).isSymbolicLink()) throw linked(component, id, "its directory");
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return;
    throw error;
  }
}

/** A session entry that is a symbolic link: never followed, and nothing from its target is quoted. */
export function linked(component: string, id: string, what: string) {
  return errors.corrupt(
    component,
    id,
    `${what} is a symbolic link; the store never follows links out of its directory`,
  );
}

/** The text of session.json for a state whose log is committed up to `logEnd`. */
export function checkpointBuffer(session: Session, logEnd: number, skips = false): Buffer {
  const record = { ...encodeRecord(session), logOffset: logEnd, ...(skips ? { logSkips: true } : {}) };
  return Buffer.from(`${JSON.stringify(record, null, 2)}\n`, "utf8");
}

/** Reads session.json without following a link; null when it does not exist. */
function readRecordText(paths: StorePaths, id: string, component: string): string | null {
  let fd: number;
  try {
    fd = openSync(paths.record(id), constants.O_RDONLY | NOFOLLOW);
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    if (code === "ELOOP") throw linked(component, id, "session.json");
    if (code === "EISDIR") throw errors.corrupt(component, id, "session.json is a directory");
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw errors.corrupt(component, id, "session.json is a directory");
    return readRange(fd, 0, stat.size).toString("utf8");
  } catch (error) {
    if (errnoCode(error) === "EISDIR") throw errors.corrupt(component, id, "session.json is a directory");
    throw error;
  } finally {
    closeSync(fd);
  }
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
  assertNotLinked(paths, id, component);
  const text = readRecordText(paths, id, component);
  if (text === null) return null;
  const raw = parseStoredJson(text, id, component, "session.json");
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
      endsWithNewline: true,
      skips: false,
    };
  }
  const offset = (raw as { logOffset?: unknown }).logOffset;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
    throw errors.corrupt(component, id, "session.json has no valid `logOffset`");
  }
  let fd: number;
  try {
    fd = logFd ?? openSync(paths.log(id), constants.O_RDONLY | NOFOLLOW);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") throw retryable(errors.corrupt(component, id, "log.jsonl is missing"));
    if (errnoCode(error) === "ELOOP") throw linked(component, id, "log.jsonl");
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
    const scan = scanLines(tail, session.version, id, component, (line) => {
      session = applyLine(session, line, id, component);
    });
    return {
      session,
      schemaVersion: 2,
      logEnd: offset + scan.end,
      logSize: size,
      tailCommits: scan.commits,
      tailBytes: scan.end,
      checkpointStatus: decoded.session.status,
      endsWithNewline: tail.length === 0 || tail[tail.length - 1] === 10,
      skips: scan.skipped || (raw as { logSkips?: unknown }).logSkips === true,
    };
  } finally {
    if (logFd === undefined) closeSync(fd);
  }
}
