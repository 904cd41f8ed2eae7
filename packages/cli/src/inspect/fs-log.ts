import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import type { Session } from "@sessionkit/core";
import { decodeRecord, isSessionKitError, RECORD_SCHEMA_VERSION } from "@sessionkit/core/driver";
import { type LogLine, readRange, scanLines } from "@sessionkit/store-fs/log-lines";
import type { Finding } from "./types.js";

/** What reading one session directory found: its state when readable, and every problem met. */
export interface SessionScan {
  session: Session | null;
  findings: Finding[];
  /** Byte length of the log's committed part (the torn tail starts there); -1 without a log. */
  committedEnd: number;
  logSize: number;
}

/**
 * Reads `<dir>/<id>/session.json` and `log.jsonl` as store-fs lays them out (README "How a commit
 * works"), by the store's own log rules but not through an open store.
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

/** Carries a LineProblem out of scanLines' accept callback. */
class StopScan {
  constructor(readonly problem: LineProblem) {}
}

/**
 * Walks log.jsonl by store-fs's own rules (`scanLines` from `@sessionkit/store-fs/log-lines`, README
 * "How a commit works"): blank lines and late duplicate versions are passed over, a killed writer's
 * fragment is ended by the next writer's newline, a version that jumps ahead is corrupt. `version`:
 * the version before the first line, or null to take it from the first line. `end` is the offset
 * just past the last accepted line; `tail` says a fragment or unterminated bytes follow it.
 */
function walkLines(
  bytes: Buffer,
  version: number | null,
  accept: (line: LogLine, start: number) => LineProblem | null,
): { end: number; tail: boolean } | LineProblem {
  try {
    const scan = scanLines(bytes, version, "?", "cli", (line, start) => {
      const problem = accept(line, start);
      if (problem) throw new StopScan(problem);
    });
    return { end: scan.end, tail: scan.tail };
  } catch (error) {
    if (error instanceof StopScan) return error.problem;
    if (isSessionKitError(error, "ERR_CORRUPT_RECORD"))
      return { kind: "corrupt-record", detail: String(error.details.reason) };
    throw error;
  }
}

function readBytes(path: string, from: number, to: number): Buffer {
  const fd = openSync(path, "r");
  try {
    return readRange(fd, from, to);
  } finally {
    closeSync(fd);
  }
}
