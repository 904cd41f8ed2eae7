// Taking a session over after a crash. The bot's manager has ownership on: each run claims its
// session and heartbeats keep the lease. A bot killed mid-run leaves the session `active` with an
// owner whose process is gone (or whose lease runs out, seen from another host); the sweeper then
// pauses it with `pause.reason: "crashed"`. Either way, resume here claims the session for this bot;
// a session a live bot still runs is refused with that bot named (ERR_SESSION_BUSY).
import { isSessionKitError } from "@sessionkit/core";

/** "owner_x (pid 123 on host-a)": how replies name a bot that owns or owned a session. */
export function describeOwner(owner) {
  return `${owner.id} (pid ${owner.pid} on ${owner.host})`;
}

/**
 * Makes `id` run under this bot: claims it unless this bot holds it already (a live other owner
 * throws ERR_SESSION_BUSY naming it), then resumes it when paused. Resolves to the session and the
 * owner it was taken from (absent when nobody else held it), or to `{ already: true }` for a session
 * this bot is running already.
 */
export async function takeOver(manager, id) {
  const before = await manager.get(id);
  const crashed = before?.pause?.reason === "crashed" ? await lastCrashOwner(manager, id) : undefined;
  const mine = before?.owner?.id === manager.ownerId;
  if (before?.status === "active" && mine) return { session: before, already: true };
  let session = before;
  let previous = crashed;
  if (!mine) {
    session = await manager.claim(id);
    if (before?.owner !== undefined) previous = before.owner;
  }
  if (session.status !== "active") session = await manager.resume(id);
  return { session, ...(previous ? { previous } : {}) };
}

/** The reply for an error of takeOver, or undefined when it is not one a user should see as text. */
export function refusalOf(error) {
  if (isSessionKitError(error, "ERR_SESSION_BUSY")) {
    const { owner, leaseUntil } = error.details;
    return `Cannot resume: the session is running in ${describeOwner(owner)}${leaseUntil ? ` (lease until ${leaseUntil})` : ""}.`;
  }
  if (isSessionKitError(error, "ERR_INVALID_TRANSITION"))
    return "Cannot resume: the session changed meanwhile.";
  return undefined;
}

/** The owner the sweeper's last `crash` event names (the crash is among the last few events). */
async function lastCrashOwner(manager, id) {
  const recent = await manager.store.readEvents(id, { last: 10 });
  return recent.findLast((event) => event.type === "crash")?.data.owner;
}
