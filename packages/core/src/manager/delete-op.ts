import { isSessionKitError, SessionKitError } from "../errors.js";
import type { SessionStore } from "../store.js";
import { requireCapability } from "./claims.js";
import { assertOperationId, priorOperation, requestDigest } from "./idempotency.js";

/** Conditioned deletes tried before the last version conflict is passed on (another writer won each time). */
const DELETE_ATTEMPTS = 50;

/**
 * manager.delete with an operation id. A deleted session keeps no record (no tombstone), so what
 * can be checked is checked while the session exists, and a gone session answers `true`:
 * - the session exists and its operations name `operationId` for another request:
 *   ERR_IDEMPOTENCY_CONFLICT, nothing deleted;
 * - else it is deleted, conditioned on the version read (a commit in between is checked again);
 * - the session is gone: `true`, the first delete's answer, so a replay returns what the first
 *   call did. A delete of an id that never existed answers `true` too under an operation id, and
 *   another request replayed under the id of a delete cannot be told from it once it is gone.
 */
export async function deleteOnce(store: SessionStore, id: string, operationId: unknown): Promise<boolean> {
  assertOperationId(operationId);
  if (operationId === undefined) return store.delete(id);
  requireCapability(store, "idempotency");
  const digest = requestDigest("delete", {});
  for (let attempt = 1; ; attempt++) {
    const session = await store.get(id, { operationId: operationId as string });
    if (session === null) return true;
    const prior = priorOperation(session, operationId as string, digest);
    if (prior instanceof SessionKitError) throw prior;
    try {
      await store.delete(id, { expectedVersion: session.version });
      return true;
    } catch (error) {
      if (!isSessionKitError(error, "ERR_VERSION_CONFLICT") || attempt >= DELETE_ATTEMPTS) throw error;
    }
  }
}
