import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Session, SessionStore } from "@sessionkit/core";
import { decodeRecord, isSessionKitError, RECORD_SCHEMA_VERSION } from "@sessionkit/core/driver";
import type { Finding, RepairStep } from "./types.js";

/** The columns of a sessions row that must agree with its record (as both SQL stores write them: JSON text for user strings). */
export interface RowColumns {
  id: string;
  record: string;
  status: string;
  mode: string;
  user_id: string | null;
  channel_id: string | null;
  created_at: string;
  updated_at: string;
  iterations: number | string;
  event_count: number;
  version?: number;
}

/** count, min and max seq of a session's event rows. */
export interface EventSpan {
  count: number;
  min: number;
  max: number;
}

const text = (value: string | undefined) => (value === undefined ? null : JSON.stringify(value));

/**
 * The session a row holds, as the store reads it. store-sqlite (schema 3) writes a commit that
 * changes only version, eventCount, updatedAt, status or iterations to those columns alone, leaving
 * the record as of its last rewrite: a row whose version column is ahead of its record's holds the
 * newer values there. Comparing such a row with its record reported drift and seq gaps for every
 * session ever appended to, and repair then tried to put the stale record back. A column changed
 * behind the store's back without a newer version is still drift. PostgreSQL rewrites the record on
 * every commit, so its version column never runs ahead.
 */
export function sessionOfRow(row: RowColumns, recorded: Session): Session {
  if (row.version === undefined || Number(row.version) <= recorded.version) return recorded;
  return {
    ...recorded,
    version: Number(row.version),
    eventCount: Number(row.event_count),
    updatedAt: row.updated_at,
    status: row.status as Session["status"],
    iterations: Number(row.iterations),
  };
}

/** Checks one row: its record decodes, its columns agree with it, its events run 1..eventCount. */
export function checkRow(row: RowColumns, span: EventSpan | undefined, where: string): Finding[] {
  const { id } = row;
  let raw: unknown;
  try {
    raw = JSON.parse(row.record);
  } catch {
    return [{ kind: "corrupt-record", id, where, detail: "the record column is not valid JSON" }];
  }
  const schemaVersion = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof schemaVersion === "number" && schemaVersion > RECORD_SCHEMA_VERSION) {
    return [
      {
        kind: "unknown-record-version",
        id,
        where,
        detail: `record schema ${schemaVersion}, newer than ${RECORD_SCHEMA_VERSION} which this release reads`,
      },
    ];
  }
  let session: Session;
  try {
    session = sessionOfRow(row, decodeRecord(raw, id, "cli").session);
  } catch (error) {
    const kind = isSessionKitError(error, "ERR_UNSUPPORTED_RECORD_VERSION")
      ? "unknown-record-version"
      : "corrupt-record";
    return [
      {
        kind,
        id,
        where,
        detail: isSessionKitError(error) ? String(error.details.reason ?? error.message) : String(error),
      },
    ];
  }
  const findings: Finding[] = [];
  const expected: Array<[string, unknown, unknown]> = [
    ["status", row.status, session.status],
    ["mode", row.mode, text(session.mode)],
    ["user_id", row.user_id, text(session.userId)],
    ["channel_id", row.channel_id, text(session.channelId)],
    ["created_at", row.created_at, session.createdAt],
    ["updated_at", row.updated_at, session.updatedAt],
    ["iterations", Number(row.iterations), session.iterations],
    ["event_count", Number(row.event_count), session.eventCount],
  ];
  if (row.version !== undefined) expected.push(["version", Number(row.version), session.version]);
  const differs = expected.filter(([, actual, wanted]) => actual !== wanted).map(([name]) => name);
  if (differs.length > 0)
    findings.push({
      kind: "row-drift",
      id,
      where,
      detail: `columns ${differs.join(", ")} disagree with the record`,
    });
  const count = span?.count ?? 0;
  if (count > 0 && (span?.min !== 1 || span.max !== count)) {
    findings.push({
      kind: "seq-gap",
      id,
      where: `${where} events`,
      detail: `${count} event rows with seq ${span?.min}..${span?.max}`,
    });
  }
  if (count !== session.eventCount && !findings.some((finding) => finding.kind === "seq-gap")) {
    findings.push({
      kind: "seq-gap",
      id,
      where: `${where} events`,
      detail: `${count} event rows, the record counts ${session.eventCount}`,
    });
  }
  return findings;
}

/** The repair plan shared by the SQL stores: quarantine unreadable rows, rewrite drifted ones from their record. */
export function planSql(findings: Finding[], quarantine: string): RepairStep[] {
  const steps: RepairStep[] = [];
  const seen = new Set<string>();
  for (const finding of findings) {
    const { id } = finding;
    const key = `${finding.kind === "unknown-record-version" ? "corrupt-record" : finding.kind}:${id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (finding.kind === "unknown-record-version" && id) {
      // Readable by a newer release, and the SQL stores refuse to delete it (ERR_UNSUPPORTED_RECORD_VERSION).
      steps.push({
        action: "manual",
        id,
        where: finding.where,
        detail: `${finding.detail}: upgrade sessionkit to read it; repair leaves it as it is`,
      });
    } else if (finding.kind === "corrupt-record" && id) {
      steps.push({
        action: "quarantine",
        id,
        where: finding.where,
        detail: `copy the raw row and events to ${quarantine}/, then delete them: ${finding.detail}`,
      });
    } else if (finding.kind === "row-drift" && id) {
      steps.push({
        action: "rewrite-row",
        id,
        where: finding.where,
        detail: "rewrite the columns (and metadata index) from the record",
      });
    } else {
      steps.push({
        action: "manual",
        id,
        where: finding.where,
        detail: `${finding.kind}: ${finding.detail}; nothing automatic is safe here`,
      });
    }
  }
  const order = ["quarantine", "rewrite-row", "manual"];
  return steps.sort((a, b) => order.indexOf(a.action) - order.indexOf(b.action));
}

/** Rewrites a row through the store itself, from the session it holds (sessionOfRow) and its event rows. */
export async function rewriteRow(store: SessionStore, id: string, row: RowColumns): Promise<void> {
  const session = sessionOfRow(row, decodeRecord(JSON.parse(row.record), id, "cli").session);
  const events = await store.readEvents(id);
  await store.importSession(session, events, { overwrite: true });
}

/** Keeps the raw row in a file before the store deletes it: quarantined, never lost. */
export async function quarantineRow(
  store: SessionStore,
  quarantine: string,
  id: string,
  raw: unknown,
): Promise<string> {
  mkdirSync(quarantine, { recursive: true });
  const file = join(quarantine, `${id}.${Date.now()}.json`);
  writeFileSync(file, `${JSON.stringify(raw, null, 2)}\n`);
  await store.delete(id);
  return file;
}

/** Every table, column or index that differs between what the migrations create (`want`) and what the store has. */
export function compareSchemas(want: Map<string, string>, have: Map<string, string>): Finding[] {
  const findings: Finding[] = [];
  const drift = (where: string, detail: string) =>
    findings.push({ kind: "schema-drift", id: null, where, detail });
  for (const [name, definition] of want) {
    const actual = have.get(name);
    if (actual === undefined) drift(name, "missing (the migrations create it)");
    else if (actual !== definition) drift(name, `is "${actual}", the migrations create "${definition}"`);
  }
  for (const name of have.keys()) if (!want.has(name)) drift(name, "not created by any migration");
  return findings;
}
