import { assertSessionId } from "../ids.js";
import type { Session } from "../model.js";
import type { SyncSessionStore } from "../store.js";
import { type LoopOptions, mutateSync } from "./commit-loop.js";
import { buildStart, operationMethods, operationOf, type RunCall } from "./operations.js";
import { COMPONENT } from "./schemas.js";
import { decide, type Operation } from "./transitions.js";
import type { SyncSessionManager } from "./types.js";

/**
 * The manager's synchronous face over `store.sync()`: the same operation builders, the same
 * decision function and the same loop as the async face, and the same publisher, so a commit made
 * here sends the same webhooks and listener events.
 */
export function createSyncFace(
  store: SyncSessionStore,
  options: LoopOptions & { guard: () => void },
): SyncSessionManager {
  const { guard, ...loop } = options;

  function apply(id: string, operation: Operation): Session {
    guard();
    assertSessionId(id, COMPONENT);
    return mutateSync(store, id, (session, nowMs) => decide(session, operation, nowMs), loop);
  }

  const run: RunCall<Session> = (call, id, args) => {
    guard();
    assertSessionId(id, COMPONENT);
    return apply(id, operationOf(call, args));
  };

  return {
    store,
    apply,
    start(input) {
      guard();
      const { create, events } = buildStart(input, loop.clock.now());
      const result = store.create(create, { events });
      loop.onCommit?.(result);
      return result.session;
    },
    ...operationMethods(run),
  };
}
