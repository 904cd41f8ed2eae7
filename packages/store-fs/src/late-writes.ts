import { SessionKitError } from "@sessionkit/core/driver";
import { readRange, scanLines } from "./log-lines.js";
import type { LoadedSession } from "./session-load.js";

/**
 * Other bytes than ours reached the log since we read it: finds the line the log accepts for our
 * version. Ours: its end offset. Another writer's: ours is a late duplicate, passed over by readers.
 */
export function landedAt(
  component: string,
  id: string,
  fd: number,
  loaded: LoadedSession,
  body: Buffer,
  size: number,
): number {
  const bytes = readRange(fd, loaded.logEnd, size);
  let end = -1;
  let mine = false;
  scanLines(bytes, loaded.session.version, id, component, (_line, start, stop) => {
    if (end >= 0) return;
    end = loaded.logEnd + stop;
    mine = stop - 1 - start === body.length && bytes.compare(body, 0, body.length, start, stop - 1) === 0;
  });
  if (!mine)
    throw lateWrite(component, id, `another writer committed version ${loaded.session.version + 1} first`);
  return end;
}

/** ERR_LOCK_COMPROMISED: a commit by a writer that lost its lock (paused past the stale time). */
export function lateWrite(component: string, id: string, why: string): SessionKitError {
  return new SessionKitError(
    "ERR_LOCK_COMPROMISED",
    `[${component}] Session ${JSON.stringify(id)}: this commit was not applied, ${why} (the lock was held past its stale time and taken over). Read the session again and retry.`,
    { details: { id } },
  );
}
