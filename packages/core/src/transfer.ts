import { canonicalEventJson, canonicalSessionJson } from "./canonical-json.js";
import { describeValue, SessionKitError } from "./errors.js";
import type { Session, SessionEvent } from "./model.js";
import type { CorruptRecordReport, SessionFilter, SessionStore } from "./store.js";

/** Identifies a sessionkit export; the first line of every export is its header. */
export const EXPORT_FORMAT = "sessionkit-export";
/** The JSON Lines export format version this release writes and reads. */
export const EXPORT_FORMAT_VERSION = 1;

/** First line of an export. */
export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: number;
  exportedAt: string;
  /** The name of the store the data came from. */
  source: string;
}

/** Every later line: one session with its whole history. */
export interface ExportRecord {
  session: Session;
  events: SessionEvent[];
}

/** Progress of an export, import or copy. */
export interface TransferProgress {
  sessions: number;
  events: number;
}

export interface ExportSessionsOptions {
  /** Only sessions matching this filter (default: all). */
  filter?: SessionFilter;
  /** Sessions listed per page while walking the store (default 200). */
  pageSize?: number;
  /** Called for each damaged record met; such records are not exported. */
  onCorrupt?: (report: CorruptRecordReport) => void;
}

export interface ImportSessionsOptions {
  /** Replace sessions that already exist in the target (default false: ERR_SESSION_EXISTS). */
  overwrite?: boolean;
  /** Called after each imported session. */
  onProgress?: (progress: TransferProgress) => void;
}

/**
 * Streams a store as JSON Lines: a header, then one `{session, events}` line per session, in the
 * list order, in canonical JSON (byte-identical from every store). Each session is read with its
 * history in one consistent read.
 */
export async function* exportSessions(
  store: SessionStore,
  options: ExportSessionsOptions = {},
): AsyncGenerator<string> {
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    version: EXPORT_FORMAT_VERSION,
    exportedAt: new Date(store.clock.now()).toISOString(),
    source: store.name,
  };
  yield JSON.stringify(header);
  let cursor: string | null = null;
  const seenCorrupt = new Set<string>();
  do {
    const page: Awaited<ReturnType<SessionStore["list"]>> = await store.list({
      ...options.filter,
      limit: options.pageSize ?? 200,
      cursor,
    });
    for (const report of page.corrupt) {
      if (seenCorrupt.has(report.id)) continue;
      seenCorrupt.add(report.id);
      options.onCorrupt?.(report);
    }
    for (const summary of page.items) {
      const full = await store.getWithHistory(summary.id);
      if (full === null) continue; // deleted while we walked
      const { history, ...session } = full;
      yield canonicalExportLine({ session, events: history });
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
}

/**
 * One export line in canonical JSON (see canonicalJson): the same session with the same history
 * gives the same bytes from every store, so two exports can be compared with `diff` or a hash.
 */
export function canonicalExportLine(record: ExportRecord): string {
  let events = "";
  for (let i = 0; i < record.events.length; i++)
    events += (i === 0 ? "" : ",") + canonicalEventJson(record.events[i]!);
  return `{"session":${canonicalSessionJson(record.session)},"events":[${events}]}`;
}

/** Parses the header line of an export; ERR_INVALID_INPUT or ERR_UNSUPPORTED_RECORD_VERSION otherwise. */
export function parseExportHeader(line: string): ExportHeader {
  let header: Partial<ExportHeader>;
  try {
    header = JSON.parse(line) as Partial<ExportHeader>;
  } catch (cause) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[transfer] Expected the first line to be a sessionkit export header, got ${describeValue(line)}. Pass a file written by exportSessions().`,
      { cause },
    );
  }
  if (header?.format !== EXPORT_FORMAT || typeof header.version !== "number") {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[transfer] Expected the first line to be a sessionkit export header, got ${describeValue(line)}. Pass a file written by exportSessions().`,
    );
  }
  if (header.version > EXPORT_FORMAT_VERSION) {
    throw new SessionKitError(
      "ERR_UNSUPPORTED_RECORD_VERSION",
      `[transfer] The export is format version ${header.version}; this release reads up to ${EXPORT_FORMAT_VERSION}. Upgrade sessionkit.`,
      { details: { version: header.version } },
    );
  }
  return header as ExportHeader;
}

/**
 * Imports JSON Lines written by exportSessions into `store`, restoring every session exactly
 * (ids, timestamps, versions, histories). Blank lines are ignored. Returns the totals.
 */
export async function importSessions(
  store: SessionStore,
  lines: AsyncIterable<string> | Iterable<string>,
  options: ImportSessionsOptions = {},
): Promise<TransferProgress> {
  const progress: TransferProgress = { sessions: 0, events: 0 };
  let lineNumber = 0;
  let sawHeader = false;
  for await (const raw of lines) {
    lineNumber += 1;
    const line = raw.trim();
    if (line.length === 0) continue;
    if (!sawHeader) {
      parseExportHeader(line);
      sawHeader = true;
      continue;
    }
    let record: ExportRecord;
    try {
      record = JSON.parse(line) as ExportRecord;
    } catch (cause) {
      throw new SessionKitError(
        "ERR_INVALID_INPUT",
        `[transfer] Line ${lineNumber} is not JSON (${describeValue(line)}). The export is damaged; nothing after line ${lineNumber - 1} was imported.`,
        { cause, details: { line: lineNumber } },
      );
    }
    if (record === null || typeof record !== "object" || !Array.isArray(record.events)) {
      throw new SessionKitError(
        "ERR_INVALID_INPUT",
        `[transfer] Expected line ${lineNumber} to hold {session, events}, got ${describeValue(line)}. The export is damaged.`,
        { details: { line: lineNumber } },
      );
    }
    await store.importSession(record.session, record.events, { overwrite: options.overwrite ?? false });
    progress.sessions += 1;
    progress.events += record.events.length;
    options.onProgress?.({ ...progress });
  }
  if (!sawHeader) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      "[transfer] The export is empty: no header line. Pass a file written by exportSessions().",
    );
  }
  return progress;
}

/** Copies every session (or those matching a filter) with its history from one store to another. */
export function copySessions(
  from: SessionStore,
  to: SessionStore,
  options: ExportSessionsOptions & ImportSessionsOptions = {},
): Promise<TransferProgress> {
  return importSessions(to, exportSessions(from, options), options);
}
