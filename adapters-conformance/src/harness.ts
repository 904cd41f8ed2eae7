import type { JsonValue, ManualClock, SessionStore } from "@sessionkit/core";
import type { RaceRound } from "./race.js";

/** What the suite gives every case: fresh isolated storage coordinates and a manual clock. */
export interface ConformanceContext {
  /** A fresh temporary directory for this case, removed afterwards. */
  readonly dir: string;
  /** A unique name for shared servers (a schema, a key prefix): /^[a-z][a-z0-9_]{0,40}$/. */
  readonly namespace: string;
  /** Inject it into the store: every timestamp must come from it. */
  readonly clock: ManualClock;
  /** Registers work to run after the case (close handles, drop schemas). */
  onCleanup(fn: () => unknown): void;
}

/** What the child-process module receives to build a store on the same storage as the parent. */
export interface ChildStoreInfo {
  dir: string;
  namespace: string;
  /** The harness's `childOptions`. */
  options: Record<string, JsonValue>;
}

/** Kinds of damage `corrupt` must be able to do to a stored record. */
export type CorruptionKind = "truncate" | "garbage" | "wrong-type" | "future-version";

/**
 * The few lines an adapter author writes. Claimed capabilities decide which cases run; a claim
 * the harness cannot exercise (say multiProcess without childModule) fails rather than skips.
 */
export interface ConformanceHarness {
  /** Shown in test names and reports. */
  name: string;
  /** A store on fresh, isolated storage for `ctx` (called once per case, or more for reopen cases). */
  create(ctx: ConformanceContext): SessionStore | Promise<SessionStore>;
  /** A second, independent handle on the same storage as `create(ctx)`. Required when persistent or multiHandle. */
  reopen?(ctx: ConformanceContext): SessionStore | Promise<SessionStore>;
  /**
   * Absolute path or file URL of an ES module, loadable by plain `node`, exporting
   * `createStore(info: ChildStoreInfo): SessionStore | Promise<SessionStore>` for the same storage.
   * Required when multiProcess or crashSafe.
   */
  childModule?: string;
  /** JSON handed to the child module as `info.options` (connection strings, …). */
  childOptions?: Record<string, JsonValue>;
  /** Damages the stored record of `id` behind the store's back (persisted-state oracle). */
  corrupt?(ctx: ConformanceContext, id: string, kind: CorruptionKind): void | Promise<void>;
  /** Lists raw artifacts in storage (paths relative to ctx.dir, or row keys); used to find orphans and debris. */
  inspect?(ctx: ConformanceContext): string[] | Promise<string[]>;
  /** Leaves what a crashed writer of `id` leaves behind (temp files, stale lock); used to prove it is never listed. */
  plantDebris?(ctx: ConformanceContext, id: string): void | Promise<void>;
  /**
   * A store like `create(ctx)` whose change log keeps about `maxLength` changes (its
   * `changeLog: { maxLength }` option). Absent: the retention case SS-W-09 is skipped.
   */
  createWithChangeLog?(ctx: ConformanceContext, maxLength: number): SessionStore | Promise<SessionStore>;
  /** Upper bound, in ms, for recovering a lock left by a killed process (default 15000). */
  lockRecoveryMs?: number;
}

/** Options of a conformance run. */
export interface ConformanceOptions {
  /** Repetitions of each race case (default 25). */
  iterations?: number;
  /** Cases to skip, by id, each with its reason (shown in the report). */
  skip?: Record<string, string>;
  /** Run only these groups (e.g. ["SS-OCC", "SS-Q"]). */
  groups?: string[];
  /** Kill-mid-write repetitions of the crash case SS-CC-06 (default 100). */
  crashIterations?: number;
  /**
   * Watcher processes SS-W-08 kills and restarts from their last cursor (default 40, the issue's
   * 100 when SESSIONKIT_CONFORMANCE_FULL=1: each round boots a process, seconds on a loaded box).
   */
  watchRestarts?: number;
  /** Expired sessions 4 processes sweep at once in SS-LS-06 (default 100, 500 under SESSIONKIT_CONFORMANCE_FULL=1). */
  sweepSessions?: number;
  /**
   * Duplicate submissions per process of each operation id in SS-IDEM-03 (default 20, the
   * issue's 1,000 under SESSIONKIT_CONFORMANCE_FULL=1: minutes per store, so not in CI).
   */
  duplicateCopies?: number;
  /** Per-case timeout in ms (runConformance and both bindings; default 180000). */
  timeoutMs?: number;
  /**
   * Seed of the race offsets (default: SESSIONKIT_CONFORMANCE_SEED, else random per run). A failing
   * case reports the seed; pass it here to replay the same offsets.
   */
  seed?: number;
  /** Called after every race round (`startTogether`) with its offsets, settle order and outcomes. */
  onRace?: (round: RaceRound) => void;
}
