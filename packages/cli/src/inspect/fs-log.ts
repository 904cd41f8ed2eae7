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
  let session = decoded.session;
  let pos = 0;
  let lastSeq = 0;
  for (;;) {
    const nl = bytes.indexOf(10, pos);
    if (nl < 0) break;
    const start = base + pos;
    let line: LogLine;
    try {
      line = JSON.parse(bytes.toString("utf8", pos, nl)) as LogLine;
      if (!Number.isSafeInteger(line.v) || !Array.isArray(line.ev)) throw new Error("malformed");
    } catch {
      return found(
        "corrupt-record",
        `the log line at byte ${start} is not a valid commit`,
        `${id}/log.jsonl`,
      );
    }
    for (const event of line.ev) {
      if (deep && event.seq <= lastSeq) {
        findings.push({
          kind: "seq-duplicate",
          id,
          where: `${id}/log.jsonl@${start}`,
          detail: `seq ${event.seq} again after ${lastSeq}`,
        });
      } else if (deep && event.seq !== lastSeq + 1) {
        findings.push({
          kind: "seq-gap",
          id,
          where: `${id}/log.jsonl@${start}`,
          detail: `seq ${event.seq} follows ${lastSeq}`,
        });
      }
      lastSeq = Math.max(lastSeq, event.seq);
    }
    if (start >= offset) {
      // A committed line after the checkpoint: applied exactly as the store applies it.
      if (line.v !== session.version + 1)
        return found(
          "corrupt-record",
          `log.jsonl holds version ${line.v} after version ${session.version}`,
          `${id}/log.jsonl`,
        );
      if (line.ev[0] && line.ev[0].seq !== session.eventCount + 1) {
        return found(
          "seq-gap",
          `log.jsonl continues at seq ${line.ev[0].seq} after ${session.eventCount} events`,
          `${id}/log.jsonl`,
        );
      }
      const countBefore = session.eventCount;
      const next = { ...session } as Record<string, unknown>;
      if (line.set) Object.assign(next, line.set);
      for (const key of line.unset ?? []) delete next[key];
      next.version = line.v;
      session = next as unknown as Session;
      if (session.eventCount !== countBefore + line.ev.length) {
        return found("corrupt-record", "log.jsonl and eventCount disagree", `${id}/log.jsonl`);
      }
    }
    pos = nl + 1;
  }
  const committedEnd = base + pos;
  if (committedEnd < size) {
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
