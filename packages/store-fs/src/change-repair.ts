import { closeSync, fstatSync } from "node:fs";
import { factsOf, type NewChange, type Session } from "@sessionkit/core/driver";
import { openIfExists } from "./fsio.js";
import { readRange } from "./log-lines.js";

/** Bytes read per step of the backward scan; a change line is a few hundred bytes. */
const CHUNK = 64 * 1024;

/**
 * The last change recorded for `id` in the change log at `file`, scanning back from its end: the
 * newest line of the session is near the end whenever it was written recently. Every line starts
 * with `{"sessionId":` and no value can contain that text unescaped, so a match is a line start.
 * A damaged line (a disk that filled mid-append) is passed over. Undefined when there is none.
 */
export function lastChangeOf(file: string, id: string): NewChange | undefined {
  const fd = openIfExists(file, "r");
  if (fd === undefined) return undefined;
  try {
    const needle = Buffer.from(`{"sessionId":${JSON.stringify(id)},`);
    const size = fstatSync(fd).size;
    // Bytes [end, size) hold no complete match; [from, end + needle) is searched each step.
    let end = size;
    let lineEnd = size;
    while (end > 0) {
      const from = Math.max(0, end - CHUNK);
      const bytes = readRange(fd, from, Math.min(size, end + needle.length - 1));
      let at = bytes.lastIndexOf(needle);
      while (at >= 0) {
        const start = from + at;
        const stop = readLineEnd(fd, start, lineEnd);
        const change = parseChange(readRange(fd, start, stop).toString("utf8"));
        if (change && change.sessionId === id) return change;
        lineEnd = start;
        at = at > 0 ? bytes.lastIndexOf(needle, at - 1) : -1;
      }
      end = from;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The offset of the newline ending the line that starts at `start` (or `limit`). */
function readLineEnd(fd: number, start: number, limit: number): number {
  for (let from = start; from < limit; from += CHUNK) {
    const bytes = readRange(fd, from, Math.min(limit, from + CHUNK));
    const newline = bytes.indexOf(10);
    if (newline >= 0) return from + newline;
  }
  return limit;
}

function parseChange(text: string): NewChange | undefined {
  try {
    return JSON.parse(text) as NewChange;
  } catch {
    return undefined;
  }
}

/**
 * The change a holder killed between its commit point and its change line failed to record, from
 * the session as it is now (null: no session.json) and the last change the log holds for it. Only
 * that one commit can be missing: every later commit of the session is made under its lock, which
 * a taker repairs before anything else. A missing commit becomes one change from the recorded
 * state to the current one (its events fromSeq..toSeq, its facts before and after).
 */
export function missingChange(
  id: string,
  current: Session | null,
  last: NewChange | undefined,
): NewChange | undefined {
  if (current === null) {
    if (!last || last.kind === "deleted") return undefined;
    // Deleted (renamed to trash) but never recorded: the last recorded state is what was deleted.
    return {
      sessionId: id,
      kind: "deleted",
      version: last.version,
      fromSeq: last.toSeq + 1,
      toSeq: last.toSeq,
      ...(last.after ? { after: last.after } : {}),
    };
  }
  if (!last || last.kind === "deleted") {
    return {
      sessionId: id,
      kind: "created",
      version: current.version,
      fromSeq: 1,
      toSeq: current.eventCount,
      after: factsOf(current),
    };
  }
  if (current.version <= last.version) return undefined;
  return {
    sessionId: id,
    kind: "committed",
    version: current.version,
    fromSeq: last.toSeq + 1,
    toSeq: current.eventCount,
    after: factsOf(current),
    ...(last.after ? { before: last.after } : {}),
  };
}
