import type { SessionStore, StoreCapabilities } from "@sessionkit/core";
import type { ConformanceContext, ConformanceHarness } from "./harness.js";

/** What a case may need beyond the contract: a claimed capability, a raw hook, a second handle, a child process. */
export type CaseRequirement =
  | Exclude<keyof StoreCapabilities, "maxPayloadBytes">
  | "corrupt"
  | "inspect"
  | "plantDebris"
  | "createWithChangeLog"
  | "reopen"
  | "child";

/** A store served by a child process over IPC; `kill()` sends SIGKILL. */
export interface ChildStore
  extends Pick<
    SessionStore,
    | "create"
    | "get"
    | "getWithHistory"
    | "commit"
    | "readEvents"
    | "list"
    | "count"
    | "stats"
    | "delete"
    | "prune"
    | "importSession"
  > {
  /** The child's process id. */
  readonly pid: number;
  /** Runs a named command of the child runner (e.g. "commitLoop"); resolves with its answer. */
  command(name: string, args?: unknown[]): Promise<unknown>;
  /** Resolves on the next `{ type: "progress" }` message of a running command. */
  nextProgress(): Promise<unknown>;
  /** The latest progress value received so far (undefined before the first). */
  lastProgress(): unknown;
  /** Closes the child's store and waits for the process to exit. */
  close(): Promise<void>;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Sends a signal (SIGSTOP, SIGCONT, …) to the child; a no-op once it has exited. */
  signal(name: NodeJS.Signals): void;
}

/** Everything a case runs with; handles it opens are closed after the case, even on failure. */
export interface CaseEnv {
  readonly ctx: ConformanceContext;
  readonly harness: ConformanceHarness;
  /** The capabilities the adapter declares (read from a store of this harness). */
  readonly capabilities: StoreCapabilities;
  /** Repetitions of race cases. */
  readonly iterations: number;
  /** Repetitions of the kill-mid-write case. */
  readonly crashIterations: number;
  /** Watcher restarts of SS-W-08 (default 40; 100 under SESSIONKIT_CONFORMANCE_FULL=1). */
  readonly watchRestarts: number;
  /** Expired sessions the cross-process sweep case (SS-LS-06) sweeps. */
  readonly sweepSessions: number;
  /** Duplicate submissions per process and operation id in SS-IDEM-03. */
  readonly duplicateCopies: number;
  /** `harness.create(ctx)`, closed after the case. Calling it twice returns the same store. */
  open(): Promise<SessionStore>;
  /** `harness.reopen(ctx)`: a new independent handle on the same storage, closed after the case. */
  reopen(): Promise<SessionStore>;
  /** A store on the same storage served by a child process, killed after the case. */
  child(): Promise<ChildStore>;
  /**
   * Runs `count` tasks from a shared start gate; settles them all. Round 0 starts every side at
   * once, later rounds delay each side by a seeded offset (loop turns or a millisecond or two), so
   * successive rounds interleave differently; the seed and the offsets are reported on failure.
   */
  startTogether<T>(count: number, task: (index: number) => Promise<T>): Promise<PromiseSettledResult<T>[]>;
}

/** One conformance case, as data. `id` is stable across releases (e.g. "SS-OCC-03"). */
export interface CaseDefinition {
  id: string;
  /** Group id, the id's prefix ("SS-OCC"). */
  group: string;
  title: string;
  /** Skipped (with the reason) unless all are met; a claimed capability is always exercised. */
  requires?: CaseRequirement[];
  run(env: CaseEnv): Promise<void>;
}

/** Human names of the groups, in report order. */
export const GROUP_TITLES: Record<string, string> = {
  "SS-CAP": "capabilities",
  "SS-LIFE": "store lifecycle",
  "SS-CRUD": "create, read, delete",
  "SS-ID": "identifiers and input validation",
  "SS-OCC": "optimistic concurrency",
  "SS-EV": "event append",
  "SS-CC": "concurrency across handles and processes",
  "SS-Q": "queries",
  "SS-ST": "statistics",
  "SS-CL": "prune and cleanup",
  "SS-J": "fidelity",
  "SS-IMP": "bulk import (importMany)",
  "SS-CR": "corrupt and foreign records",
  "SS-P": "persistence across close and reopen",
  "SS-W": "live change feed (watch)",
  "SS-LC": "lifecycle manager",
  "SS-LS": "leases, fencing and the crash sweeper",
  "SS-IDEM": "idempotent operations",
  "SS-IN": "awaiting-input inbox",
  "SS-HOLD": "legal holds",
  "SS-RL": "one retention run at a time (store leases)",
};
