import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import type { Session } from "@sessionkit/core";
import { decodeRecord, isSessionKitError, RECORD_SCHEMA_VERSION } from "@sessionkit/core/driver";
import type { Finding } from "./types.js";

/** What reading one session directory found: its state when readable, and every problem met. */
export interface SessionScan {
  session: Session | null;
  findings: Finding[];
  /** Byte length of the log's committed part (the torn tail starts there); -1 without a log. */
  committedEnd: number;
  logSize: number;
}

interface LogLine {
  v: number;
  set?: Record<string, unknown>;
  unset?: string[];
  ev: Array<{ seq: number }>;
}

/**
 * Reads `<dir>/<id>/session.json` and `log.jsonl` as store-fs lays them out (README "How a commit
 * works"), independently of the store's code, so a bug there cannot hide the damage it caused.
 * `deep` also walks the log before the checkpoint (every seq since the first event).
 */
export function scanSession(sessionDir: string, id: string, deep: boolean): SessionScan {
  const where = `${id}/session.json`;
  const found = (kind: Finding["kind"], detail: string, at = where): SessionScan => ({
    session: null,
    findings: [{ kind, id, where: at, detail }],
    committedEnd: -1,
    logSize: -1,
  });
  let text: string;
  try {
    text = readFileSync(`${sessionDir}/session.json`, "utf8");
  } catch (error) {
    return found(
      "corrupt-record",
      `session.json cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return found("corrupt-record", "session.json is not valid JSON");
  }
  const schemaVersion = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof schemaVersion === "number" && schemaVersion > RECORD_SCHEMA_VERSION) {
    return found(
      "unknown-record-version",
      `record schema ${schemaVersion}, newer than ${RECORD_SCHEMA_VERSION} which this release reads`,
    );
  }
  let decoded: ReturnType<typeof decodeRecord>;
  try {
    decoded = decodeRecord(raw, id, "cli");
  } catch (error) {
    const kind = isSessionKitError(error, "ERR_UNSUPPORTED_RECORD_VERSION")
      ? "unknown-record-version"
      : "corrupt-record";
    return found(
      kind,
      isSessionKitError(error) ? String(error.details.reason ?? error.message) : String(error),
    );
  }
  if (decoded.schemaVersion === 1)
    return { session: decoded.session, findings: [], committedEnd: -1, logSize: -1 };
  const offset = (raw as { logOffset?: unknown }).logOffset;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0)
    return found("corrupt-record", "session.json has no valid logOffset");
  const logPath = `${sessionDir}/log.jsonl`;
  let size: number;
  try {
    size = statSync(logPath).size;
  } catch {
    return found("corrupt-record", "log.jsonl is missing", `${id}/log.jsonl`);
  }
  if (size < offset)
    return found(
      "corrupt-record",
      `log.jsonl is ${size} bytes, less than the ${offset} committed`,
      `${id}/log.jsonl`,
    );
  const bytes = readBytes(logPath, deep ? 0 : offset, size);
  const base = deep ? 0 : offset;
  const findings: Finding[] = [];
  let lastSeq = 0;
  if (deep) {
    // The whole history, read as the store's getWithHistory reads it (from the first accepted line).
    const whole = walkLines(bytes, null, (line, start) => {
      for (const event of line.ev) {
        const where = `${id}/log.jsonl@${start}`;
        if (event.seq <= lastSeq)
          findings.push({
            kind: "seq-duplicate",
            id,
            where,
            detail: `seq ${event.seq} again after ${lastSeq}`,
          });
        else if (event.seq !== lastSeq + 1)
          findings.push({ kind: "seq-gap", id, where, detail: `seq ${event.seq} follows ${lastSeq}` });
        lastSeq = Math.max(lastSeq, event.seq);
      }
      return null;
    });
    if ("kind" in whole) return found(whole.kind, whole.detail, `${id}/log.jsonl`);
  }
  let session = decoded.session;
  // The lines after the checkpoint, applied exactly as the store applies them.
  const walk = walkLines(bytes.subarray(offset - base), session.version, (line) => {
    if (line.ev[0] && line.ev[0].seq !== session.eventCount + 1)
      return {
        kind: "seq-gap",
        detail: `log.jsonl continues at seq ${line.ev[0].seq} after ${session.eventCount} events`,
      };
    const countBefore = session.eventCount;
    const next = { ...session } as Record<string, unknown>;
    if (line.set) Object.assign(next, line.set);
    for (const key of line.unset ?? []) delete next[key];
    next.version = line.v;
    session = next as unknown as Session;
    if (session.eventCount !== countBefore + line.ev.length)
      return { kind: "corrupt-record", detail: "log.jsonl and eventCount disagree" };
    return null;
  });
  if ("kind" in walk) return found(walk.kind, walk.detail, `${id}/log.jsonl`);
  const committedEnd = offset + walk.end;
  if (walk.tail) {
    findings.push({
      kind: "torn-tail",
      id,
      where: `${id}/log.jsonl@${committedEnd}`,
      detail: `${size - committedEnd} bytes after the last complete commit (a killed writer's torn line)`,
    });
  }
  if (
    deep &&
    lastSeq !== session.eventCount &&
    !findings.some((finding) => finding.kind.startsWith("seq-"))
  ) {
    findings.push({
      kind: "seq-gap",
      id,
      where: `${id}/log.jsonl`,
      detail: `the log holds events up to seq ${lastSeq}, the session counts ${session.eventCount}`,
    });
  }
  return { session, findings, committedEnd, logSize: size };
}

/** A log line's problem that makes the session unreadable. */
interface LineProblem {
  kind: "corrupt-record" | "seq-gap";
  detail: string;
}

/**
 * store-fs's rules for reading log.jsonl (its log-lines.ts scanLines; README "How a commit works"),
 * mirrored here so a bug in the store cannot hide the damage it caused. The log is append-only, so:
 * blank lines are ignored; a line whose `v` is not above the last accepted one is a late duplicate
 * (a writer paused past the stale time; the first line of a version wins) and is passed over; a line
 * that does not parse is a killed writer's fragment, ended by the next writer's newline, when an
 * accepted line follows it, and otherwise part of the uncommitted tail. A `v` that jumps ahead is
 * corrupt. `version`: the version before the first line, or null to take it from the first line.
 * `end` is the offset just past the last accepted line; `tail` says bad bytes follow it.
 */
function walkLines(
  bytes: Buffer,
  version: number | null,
  accept: (line: LogLine, start: number) => LineProblem | null,
): { end: number; tail: boolean } | LineProblem {
  let last = version;
  let pos = 0;
  let end = 0;
  let bad = false;
  for (let nl = bytes.indexOf(10); nl >= 0; pos = nl + 1, nl = bytes.indexOf(10, pos)) {
    if (nl === pos) continue;
    let line: LogLine;
    try {
      line = JSON.parse(bytes.toString("utf8", pos, nl)) as LogLine;
      if (!Number.isSafeInteger(line?.v) || !Array.isArray(line.ev)) throw new Error("malformed");
    } catch {
      bad = true;
      continue;
    }
    if (last !== null && line.v <= last) continue;
    if (last !== null && line.v !== last + 1)
      return { kind: "corrupt-record", detail: `log.jsonl holds version ${line.v} after version ${last}` };
    const problem = accept(line, pos);
    if (problem) return problem;
    last = line.v;
    end = nl + 1;
    bad = false;
  }
  return { end, tail: bad || pos < bytes.length };
}

function readBytes(path: string, from: number, to: number): Buffer {
  const buffer = Buffer.alloc(Math.max(0, to - from));
  const fd = openSync(path, "r");
  try {
    let done = 0;
    while (done < buffer.length) {
      const read = readSync(fd, buffer, done, buffer.length - done, from + done);
      if (read === 0) break;
      done += read;
    }
  } finally {
    closeSync(fd);
  }
  return buffer;
}
