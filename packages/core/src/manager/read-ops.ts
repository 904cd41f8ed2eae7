import type { Clock } from "../clock.js";
import { describeValue, errors, SessionKitError } from "../errors.js";
import { assertSessionId } from "../ids.js";
import type { Session, SessionEvent } from "../model.js";
import type { SessionStore } from "../store.js";
import { deleteOnce } from "./delete-op.js";
import { COMPONENT, cleanupInputSchema, operationIdOptionsSchema, parse } from "./schemas.js";
import { isSessionResumable, sessionDuration, sessionProgress } from "./session-facts.js";
import type { SessionManager } from "./types.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** ERR_INVALID_INPUT from the manager, in the usual message shape. */
export function invalidInput(what: string, value: unknown, fix: string): SessionKitError {
  return errors.invalidInput(COMPONENT, what, value, fix);
}

/** The error every call on a closed manager rejects with. */
export function managerClosed(): SessionKitError {
  return new SessionKitError(
    "ERR_STORE_CLOSED",
    `[${COMPONENT}] The session manager is closed. Create a new manager instead of reusing a closed one.`,
  );
}

/** The instant `maxAgeDays` before `nowMs`; ERR_INVALID_QUERY when it lies before the JS date range. */
function cutoff(nowMs: number, maxAgeDays: number): string {
  const at = new Date(nowMs - maxAgeDays * DAY_MS);
  if (Number.isNaN(at.getTime())) {
    throw new SessionKitError(
      "ERR_INVALID_QUERY",
      `[${COMPONENT}] Expected \`maxAgeDays\` to give a cutoff within the date range (about 100,000,000 days back at most), got ${describeValue(maxAgeDays)}. Pass a smaller age.`,
      { details: { field: "maxAgeDays", value: maxAgeDays } },
    );
  }
  return at.toISOString();
}

type ReadOps = Pick<
  SessionManager,
  | "get"
  | "getWithHistory"
  | "getContext"
  | "isResumable"
  | "stats"
  | "cleanup"
  | "delete"
  | "duration"
  | "progress"
>;

/** The operations that read (or delete) without a lifecycle decision. */
export function readOps(
  store: SessionStore,
  clock: Clock,
  recentHistorySize: number,
  guard: () => void,
  ownerId: string,
): ReadOps {
  async function read(id: string): Promise<Session | null> {
    guard();
    assertSessionId(id, COMPONENT);
    return store.get(id);
  }

  return {
    get: read,

    async getWithHistory(id) {
      guard();
      assertSessionId(id, COMPONENT);
      return store.getWithHistory(id);
    },

    async getContext(id) {
      let session = await read(id);
      let recentHistory: SessionEvent[] = [];
      // Session and events are two reads; re-read until they describe the same version.
      for (let attempt = 0; session !== null && attempt < 5; attempt++) {
        try {
          recentHistory = await store.readEvents(id, { last: recentHistorySize });
        } catch (error) {
          if (error instanceof SessionKitError && error.code === "ERR_SESSION_NOT_FOUND") return null;
          throw error;
        }
        if ((recentHistory.at(-1)?.seq ?? 0) === session.eventCount) break;
        session = await store.get(id);
      }
      if (session === null) return null;
      return {
        sessionId: session.id,
        task: session.task,
        mode: session.mode,
        ...(session.workspace === undefined ? {} : { workspace: session.workspace }),
        iterations: session.iterations,
        maxIterations: session.maxIterations,
        progress: sessionProgress(session),
        context: session.context,
        recentHistory,
        status: session.status,
      };
    },

    async isResumable(id, options) {
      const session = await read(id);
      if (session === null) return false;
      return isSessionResumable(session, { ...options, nowMs: clock.now(), owner: ownerId });
    },

    async stats(filter) {
      guard();
      return store.stats(filter);
    },

    async cleanup(options) {
      guard();
      const input = parse(cleanupInputSchema, options ?? {}, "options");
      const maxAgeDays = input.maxAgeDays ?? 30;
      const olderThan = input.olderThan ?? cutoff(clock.now(), maxAgeDays);
      return store.prune({
        olderThan,
        ...(input.statuses === undefined ? {} : { statuses: input.statuses }),
        ...(input.dryRun === undefined ? {} : { dryRun: input.dryRun }),
      });
    },

    async delete(id, options) {
      guard();
      assertSessionId(id, COMPONENT);
      const { operationId } = parse(operationIdOptionsSchema, options ?? {}, "options");
      return deleteOnce(store, id, operationId);
    },

    async duration(id) {
      const session = await read(id);
      if (session === null) return null;
      return sessionDuration(session, clock.now());
    },

    async progress(id) {
      const session = await read(id);
      return session === null ? null : sessionProgress(session);
    },
  };
}
