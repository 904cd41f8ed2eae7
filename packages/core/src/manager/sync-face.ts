import { isSessionKitError } from "../errors.js";
import { assertSessionId } from "../ids.js";
import type { NewEvent, Session } from "../model.js";
import type { CreateSessionInput, SyncSessionStore } from "../store.js";
import type { Claims } from "./claims.js";
import { type LoopOptions, mutateSync } from "./commit-loop.js";
import { assertOperationId, replayStart, START_OPERATION } from "./idempotency.js";
import { operationMethods, operationOf, type RunCall } from "./operations.js";
import { COMPONENT } from "./schemas.js";
import type { Operation } from "./transitions.js";
import type { StartSessionInput, SyncSessionManager } from "./types.js";

/**
 * The manager's synchronous face over `store.sync()`: the same operation builders, the same
 * decision function and the same loop as the async face, and the same publisher, so a commit made
 * here sends the same webhooks and listener events.
 */
export function createSyncFace(
  store: SyncSessionStore,
  options: LoopOptions & {
    guard: () => void;
    claims: Claims;
    prepareStart: (input: StartSessionInput) => {
      create: CreateSessionInput;
      events: NewEvent[];
      digest: string;
    };
  },
): SyncSessionManager {
  const { guard, claims, prepareStart, ...loop } = options;

  function commit(
    id: string,
    operation: Operation,
    operationId?: string,
    call?: string,
    force?: boolean,
  ): Session {
    guard();
    assertSessionId(id, COMPONENT);
    assertOperationId(operationId);
    try {
      return mutateSync(store, id, claims.decider(id, operation, operationId, call, force), loop);
    } catch (error) {
      if (isSessionKitError(error, "ERR_LEASE_LOST")) claims.lose(id);
      throw error;
    }
  }

  const run: RunCall<Session> = (call, id, args, callOptions) => {
    guard();
    assertSessionId(id, COMPONENT);
    return commit(id, operationOf(call, args), callOptions?.operationId, call, callOptions?.force === true);
  };

  return {
    store,
    apply: (id, operation) => commit(id, operation),
    start(input) {
      guard();
      const { create, events, digest } = prepareStart(input);
      try {
        const result = store.create(create, { events });
        loop.onCommit?.(result);
        return result.session;
      } catch (error) {
        if (create.id === undefined || !isSessionKitError(error, "ERR_SESSION_EXISTS")) throw error;
        return replayStart(error, store.get(create.id, { operationId: START_OPERATION }), digest);
      }
    },
    ...operationMethods(run),
  };
}
