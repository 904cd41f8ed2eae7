import {
  type CheckDelete,
  isSessionKitError,
  type Session,
  type SessionEvent,
  type SessionKitError,
} from "@sessionkit/core/driver";
import type { BulkImportDeps } from "./bulk-import.js";

/** What the batch operations need of the driver: the import's deps and the event parser. */
export interface BatchDeps extends BulkImportDeps {
  /** Runs the readMany statement on the pool (no transaction: one statement is one snapshot). */
  readRows(
    ids: string[],
  ): Promise<{ rows: Array<{ id: string; record: string | null; body: string | null }> }>;
  parseEvent(id: string, body: string): SessionEvent;
}

type Read = { session: Session; events: SessionEvent[] } | null | SessionKitError;

/**
 * driver.readMany: one statement for a batch's sessions and all their events (one snapshot, one
 * round trip), where retention read each session with two. A session's events past its
 * eventCount (a commit in between cannot be in one statement's snapshot) are never returned.
 */
export async function readManyPg(deps: BatchDeps, ids: string[]): Promise<Read[]> {
  const { rows } = await deps.readRows(ids);
  const found = new Map<string, { record: string; bodies: string[] }>();
  for (const row of rows) {
    if (row.record !== null) found.set(row.id, { record: row.record, bodies: [] });
    else if (row.body !== null) found.get(row.id)?.bodies.push(row.body);
  }
  return ids.map((id) => {
    const entry = found.get(id);
    if (entry === undefined) return null;
    try {
      const session = deps.parseSession(id, entry.record);
      const events = entry.bodies.slice(0, session.eventCount).map((body) => deps.parseEvent(id, body));
      return { session, events };
    } catch (error) {
      if (isSessionKitError(error)) return error;
      throw error;
    }
  });
}

/**
 * driver.deleteBatch: one transaction per batch (retention's chunk): lock the rows, check each,
 * delete the ones that passed in one statement. One by one it was a read and a delete, two round
 * trips and a commit per session.
 */
export function deleteBatchPg(
  deps: BatchDeps,
  items: Array<{ id: string; check: CheckDelete }>,
): Promise<Array<boolean | SessionKitError>> {
  return deps.transaction(async (client) => {
    const { rows } = await deps.exec<{ id: string; record: string }>(client, "storedForUpdate", [
      items.map((item) => item.id),
    ]);
    const records = new Map(rows.map((row) => [row.id, row.record]));
    const gone = new Set<string>();
    const results = items.map(({ id, check }): boolean | SessionKitError => {
      const record = records.get(id);
      if (record === undefined || gone.has(id)) return false;
      try {
        check(deps.parseSession(id, record));
      } catch (error) {
        if (isSessionKitError(error)) return error;
        throw error;
      }
      gone.add(id);
      return true;
    });
    if (gone.size > 0) await deps.exec(client, "deleteIds", [[...gone]]);
    for (const id of gone) deps.forget(id);
    return results;
  });
}
