import {
  type SessionEvent as CoreEvent,
  isSessionKitError,
  isValidSessionId,
  type Session,
} from "@sessionkit/core";
import { decodeRecord } from "@sessionkit/core/driver";
import { stripPauseView } from "./convert.js";
import { COMPONENT, syncStore } from "./state.js";
import { readAgentSession } from "./store-api.js";
import type { AgentSession } from "./types.js";

/** The session as pretty-printed JSON (history included), or null. */
export function exportSession(id: string): string | null {
  const session = readAgentSession(id);
  return session ? JSON.stringify(session, null, 2) : null;
}

const INPUT_ERRORS = new Set([
  "ERR_INVALID_ID",
  "ERR_INVALID_INPUT",
  "ERR_CORRUPT_RECORD",
  "ERR_PAYLOAD_TOO_LARGE",
]);

/**
 * Restores a session from JSON written by exportSession (this module's or the seed's), replacing
 * one with the same id. Returns the stored session, or null when the JSON is invalid or its id is
 * not a session id (nothing is written then).
 */
export function importSession(json: string): AgentSession | null {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return null;
  const record = raw as Record<string, unknown>;
  if (!isValidSessionId(record.id)) return null;
  const id = record.id;
  try {
    const { session, events } = splitImport(record, id);
    const sync = syncStore();
    sync.importSession(session, events, { overwrite: true });
    return readAgentSession(id, sync);
  } catch (error) {
    if (isSessionKitError(error) && INPUT_ERRORS.has(error.code)) return null;
    throw error;
  }
}

/** Tells sessionkit exports (versions and seqs) from seed exports, and decodes either. */
function splitImport(record: Record<string, unknown>, id: string): { session: Session; events: CoreEvent[] } {
  const history = Array.isArray(record.history) ? (record.history as Array<Record<string, unknown>>) : null;
  const isSessionkit =
    typeof record.version === "number" &&
    typeof record.eventCount === "number" &&
    history?.every((event) => typeof event?.seq === "number") === true;
  if (isSessionkit) {
    const { history: events, ...session } = record as unknown as Session & { history: CoreEvent[] };
    // An export of a paused session shows the pause view in its context; store it without.
    if (session.context && typeof session.context === "object") {
      session.context = stripPauseView(session.context, session.pause, {}) as Session["context"];
    }
    return { session, events };
  }
  const { version: _v, eventCount: _c, endedAt: _e, pause: _p, deadlineAt: _d, ...seed } = record;
  const decoded = decodeRecord(seed, id, COMPONENT);
  return { session: decoded.session, events: decoded.legacyHistory ?? [] };
}
