import { closeSync, fstatSync, openSync, readFileSync } from "node:fs";
import {
  decodeRecord,
  encodeRecord,
  errors,
  isSessionKitError,
  type Session,
  type SessionEvent,
} from "@sessionkit/core/driver";
import { errnoCode } from "./fsio.js";
import { applyLine, parseLine, readRange, retryable } from "./log-lines.js";
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
