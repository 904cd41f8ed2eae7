import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import { SessionKitError } from "../errors.js";
import type { SessionStore } from "../store.js";
import { ownerProcessGone, type ProcessIdentity, thisProcess } from "./process-identity.js";
import { COMPONENT } from "./schemas.js";

/** The store lease a real retention run holds: one runner at a time across handles and processes. */
export const RETENTION_LEASE = "retention";

/** How long a run's lease lasts without a renewal (renewed every third of it). */
export const DEFAULT_RETENTION_LEASE_MS = 30_000;

/** How often a waiting run looks again: a run takes seconds, so a tenth of one is no real delay. */
const WAIT_POLL_MS = 100;

/** What the lease text says: who holds it, and until when (the holder's clock). */
interface LeaseHolder extends ProcessIdentity {
  token: string;
  until: string;
}

/** A held retention lease: refresh it before each removal, release it when done. */
export interface HeldLease {
  /**
   * ERR_LEASE_LOST once another runner took the lease over (a renewal found someone else's text),
   * or once its instant has passed on this clock without a renewal: another runner may hold it.
   */
  assertHeld(): void;
  /**
   * Renews the lease first when a renewal is due (the timer's may not have run: a holder stopped
   * past its instant, or an event loop kept busy by a store that answers without I/O), then
   * assertHeld(). What a removal awaits: the compare-and-set proves nobody took the lease meanwhile.
   */
  refresh(): Promise<void>;
  /** Stops renewing and removes the lease if it is still ours. */
  release(): Promise<void>;
}

/** Options of acquireRetentionLease. */
export interface RetentionLeaseOptions {
  /** How long to wait for a running run to finish, in ms (default 0: ERR_RETENTION_BUSY at once). */
  waitMs?: number;
  /** Lease length in ms (default DEFAULT_RETENTION_LEASE_MS). */
  leaseMs?: number;
}

function parseHolder(text: string): LeaseHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LeaseHolder>;
    if (typeof value.until === "string" && typeof value.pid === "number" && typeof value.host === "string") {
      return value as LeaseHolder;
    }
  } catch {}
  return undefined;
}

/** True when the lease text can be taken over: unreadable, past its instant, or its process is gone. */
function isDead(holder: LeaseHolder | undefined, nowMs: number): boolean {
  return holder === undefined || Date.parse(holder.until) <= nowMs || ownerProcessGone(holder);
}

function busy(holder: LeaseHolder, waitedMs: number): SessionKitError {
  const { host, pid, startedAt, until } = holder;
  return new SessionKitError(
    "ERR_RETENTION_BUSY",
    `[${COMPONENT}] Another retention run holds this store's "${RETENTION_LEASE}" lease: process ${pid} on ${host} (started ${startedAt}), until ${until}${waitedMs > 0 ? `, after waiting ${waitedMs} ms` : ""}. Let it finish, or pass \`waitMs\` to wait for it; nothing was changed.`,
    { details: { holder: { host, pid, startedAt }, until, waitedMs } },
  );
}

/**
 * Takes the store's retention lease (a compare-and-set through store.swapLease): at once when it
 * is free, expired, or held by a process of this host that is gone (a killed run); otherwise waits
 * up to `waitMs`, then ERR_RETENTION_BUSY naming the holder. Renewed every leaseMs/3 until release.
 */
export async function acquireRetentionLease(
  store: SessionStore,
  clock: Clock,
  options: RetentionLeaseOptions = {},
): Promise<HeldLease> {
  const { waitMs = 0, leaseMs = DEFAULT_RETENTION_LEASE_MS } = options;
  const token = randomUUID();
  const textUntil = (ms: number) =>
    JSON.stringify({ token, ...thisProcess(), until: new Date(ms).toISOString() } satisfies LeaseHolder);
  const startedMs = Date.now();
  let untilMs = clock.now() + leaseMs;
  let mine = textUntil(untilMs);
  let expected: string | null = null;
  for (;;) {
    const { swapped, current } = await store.swapLease(RETENTION_LEASE, expected, mine);
    if (swapped) break;
    if (current === null) {
      expected = null;
      continue;
    }
    const holder = parseHolder(current);
    if (isDead(holder, clock.now())) {
      expected = current;
      continue;
    }
    const waited = Date.now() - startedMs;
    if (waited >= waitMs) throw busy(holder!, waited);
    await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_POLL_MS, waitMs - waited)));
    expected = null;
    untilMs = clock.now() + leaseMs;
    mine = textUntil(untilMs);
  }
  return holdLease(store, clock, leaseMs, { text: mine, untilMs }, textUntil);
}

/** The renewals and release of a lease just taken (its text, and the instant that text names). */
function holdLease(
  store: SessionStore,
  clock: Clock,
  leaseMs: number,
  taken: { text: string; untilMs: number },
  textUntil: (ms: number) => string,
): HeldLease {
  let mine = taken.text;
  let lost = false;
  const everyMs = Math.max(1, Math.floor(leaseMs / 3));
  // The instant `mine` names, and when its renewal is due (both on `clock`).
  let untilMs = taken.untilMs;
  let dueMs = untilMs - leaseMs + everyMs;
  // Renewals and the release run one after another: a release never races a renewal's swap.
  let queue: Promise<void> = Promise.resolve();
  const renew = async () => {
    if (lost) return;
    const nextUntil = clock.now() + leaseMs;
    const next = textUntil(nextUntil);
    const result = await store.swapLease(RETENTION_LEASE, mine, next).catch(() => undefined);
    // An I/O error: the lease stands as it was, and the next renewal tries again.
    if (result === undefined) return;
    if (!result.swapped) lost = true;
    else [mine, untilMs, dueMs] = [next, nextUntil, nextUntil - leaseMs + everyMs];
  };
  const renewed = () => {
    queue = queue.then(renew);
    return queue;
  };
  const timer = setInterval(renewed, everyMs);
  timer.unref();
  // Past its instant the lease may be another runner's even if no renewal has said so yet.
  const assertHeld = () => {
    if (!lost && clock.now() < untilMs) return;
    throw new SessionKitError(
      "ERR_LEASE_LOST",
      `[${COMPONENT}] This retention run's "${RETENTION_LEASE}" lease was taken over by another runner, or may have been (it was not renewed before its instant); the run stopped. What it removed so far stays removed: run it again to finish.`,
      { details: { lease: RETENTION_LEASE } },
    );
  };
  return {
    assertHeld,
    async refresh() {
      if (!lost && clock.now() >= dueMs) await renewed();
      assertHeld();
    },
    release() {
      clearInterval(timer);
      queue = queue.then(async () => {
        if (lost) return;
        lost = true;
        await store.swapLease(RETENTION_LEASE, mine, null);
      });
      return queue;
    },
  };
}
