import type { MaybePromise, StoreDriver } from "./driver.js";
import { chain, corruptReport } from "./driver-kit.js";
import { isSessionKitError } from "./errors.js";
import { DELETE_BATCH_SIZE, series } from "./hold-guard.js";
import type { AgentSession, Session, SessionEvent } from "./model.js";
import type { CorruptRecordReport, SessionsWithHistory } from "./store.js";

/** The most ids one getManyWithHistory takes (retention reads a chunk at a time). */
export const READ_BATCH_SIZE = DELETE_BATCH_SIZE;

type Read = { session: Session; events: SessionEvent[] } | null | unknown;

/**
 * getManyWithHistory(): the driver's batch read when it has one (a query or two for the whole
 * batch), else one getWithHistory after another. Each session comes with the history it had at
 * the read (its events 1..eventCount); a damaged record is reported, not thrown.
 */
export function readManyWithHistory(
  driver: StoreDriver,
  ids: readonly string[],
): MaybePromise<SessionsWithHistory> {
  const corrupt: CorruptRecordReport[] = [];
  const settle = (id: string, read: Read): AgentSession | null => {
    if (read === null) return null;
    if (read instanceof Error) {
      corrupt.push(corruptReport(read, id));
      return null;
    }
    const { session, events } = read as { session: Session; events: SessionEvent[] };
    return { ...session, history: events };
  };
  const answer = (reads: Read[]) => ({ sessions: reads.map((read, k) => settle(ids[k]!, read)), corrupt });
  if (driver.readMany) return chain(driver.readMany([...ids]), answer);
  return chain(
    series(ids, (id) => readOne(driver, id)),
    answer,
  );
}

/** One session and its history the way getWithHistory reads it; a SessionKitError becomes the value. */
function readOne(driver: StoreDriver, id: string): MaybePromise<Read> {
  const caught = (error: unknown): Read => {
    if (isSessionKitError(error, "ERR_SESSION_NOT_FOUND")) return null;
    if (isSessionKitError(error)) return error;
    throw error;
  };
  try {
    const read = chain(driver.get(id), (session) => {
      if (session === null) return null;
      if (session.eventCount === 0) return { session, events: [] };
      return chain(driver.readEvents(id, 1, session.eventCount), (events) => ({ session, events }));
    });
    return read instanceof Promise ? read.catch(caught) : read;
  } catch (error) {
    return caught(error);
  }
}
