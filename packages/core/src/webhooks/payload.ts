import type { JsonObject } from "../json.js";
import type { Session, SessionEvent, SessionStatus } from "../model.js";

/** Version of the webhook payload shape; grows only with incompatible changes. */
export const WEBHOOK_PAYLOAD_VERSION = 1;

/**
 * What webhooks POST and in-process listeners receive for one committed history event: the
 * seed's `{event, session, timestamp, data}` plus an idempotency key `id` and a `version`.
 */
export interface SessionNotification {
  /** Idempotency key, `<sessionId>:<seq>`: the same for every attempt to deliver this event. */
  id: string;
  version: typeof WEBHOOK_PAYLOAD_VERSION;
  /** The event type (start, pause, resume, complete, error, timeout, iteration, …). */
  event: string;
  session: {
    id: string;
    mode: string;
    status: SessionStatus;
    task: string;
    userId?: string;
    channelId?: string;
  };
  /** When the event was committed (the event's timestamp). */
  timestamp: string;
  /** The event's data (for `start`, also `maxIterations`, as the seed sent). */
  data?: JsonObject;
  /** The event's position in the session's history. */
  seq: number;
}

/** Builds the notification for one committed event, from the state that commit produced. */
export function toNotification(session: Session, event: SessionEvent): SessionNotification {
  const snapshot: SessionNotification["session"] = {
    id: session.id,
    mode: session.mode,
    status: session.status,
    task: session.task,
  };
  if (session.userId !== undefined) snapshot.userId = session.userId;
  if (session.channelId !== undefined) snapshot.channelId = session.channelId;
  const data = event.type === "start" ? { ...event.data, maxIterations: session.maxIterations } : event.data;
  return {
    id: `${session.id}:${event.seq}`,
    version: WEBHOOK_PAYLOAD_VERSION,
    event: event.type,
    session: snapshot,
    timestamp: event.timestamp,
    data,
    seq: event.seq,
  };
}
