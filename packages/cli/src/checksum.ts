import { createHash } from "node:crypto";
import { canonicalExportLine, type Session, type SessionEvent } from "@sessionkit/core";

/**
 * sha256 of a session's canonical export line (core's canonicalExportLine): equal on two stores
 * exactly when the data is, and equal to the sha256 of that session's line in `sessionkit export`.
 */
export function sessionChecksum(session: Session, events: SessionEvent[]): string {
  return createHash("sha256").update(canonicalExportLine({ session, events })).digest("hex");
}
