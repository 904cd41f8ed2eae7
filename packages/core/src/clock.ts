/** Where sessionkit reads time; inject one in tests so nothing ever sleeps. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** A clock a test moves by hand. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms` (default 1) and returns the new time. */
  advance(ms?: number): number;
  /** Sets the time to an epoch-ms number or an ISO string. */
  set(time: number | string): void;
}

/** The real clock (`Date.now`). */
export const systemClock: Clock = { now: () => Date.now() };

/** A manual clock starting at `start` (default 2026-01-01T00:00:00.000Z). */
export function createManualClock(start: number | string = "2026-01-01T00:00:00.000Z"): ManualClock {
  let current = typeof start === "string" ? Date.parse(start) : start;
  return {
    now: () => current,
    advance(ms = 1) {
      current += ms;
      return current;
    },
    set(time) {
      current = typeof time === "string" ? Date.parse(time) : time;
    },
  };
}

/** The clock's time as an ISO-8601 UTC string with milliseconds. */
export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
