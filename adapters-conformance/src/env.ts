import type { SessionStore, StoreCapabilities } from "@sessionkit/core";
import { codeOf } from "./assertions.js";
import type { CaseEnv, ChildStore } from "./case.js";
import { startChildStore } from "./child.js";
import { withDeadline } from "./context.js";
import type { ConformanceContext, ConformanceHarness } from "./harness.js";
import { createRaceSchedule, type RaceRound, waitOffset } from "./race.js";

/** Real-time bound for closing a handle in cleanup; a hang here is reported, not waited out. */
const CLOSE_DEADLINE_MS = 10_000;

/** Settings a run resolves once from the options. */
export interface RunSettings {
  iterations: number;
  crashIterations: number;
  watchRestarts: number;
  sweepSessions: number;
  duplicateCopies: number;
  /** The run's seed for race offsets. */
  seed: number;
  /** Told about every settled race round. */
  onRace?: (round: RaceRound) => void;
}

/** Builds the environment of one case; everything it opens is closed by `ctx`'s cleanups. */
export function createCaseEnv(
  harness: ConformanceHarness,
  ctx: ConformanceContext,
  settings: RunSettings,
  caseId = "case",
): CaseEnv & { first(): Promise<SessionStore>; lastRound(): RaceRound | undefined } {
  const schedule = createRaceSchedule(settings.seed, caseId);
  let last: RaceRound | undefined;
  let primary: Promise<SessionStore> | undefined;
  let capabilities: StoreCapabilities | undefined;

  const track = (store: SessionStore, what: string): SessionStore => {
    ctx.onCleanup(() => withDeadline(store.close(), CLOSE_DEADLINE_MS, `${what}.close()`));
    return store;
  };

  const env: CaseEnv & { first(): Promise<SessionStore>; lastRound(): RaceRound | undefined } = {
    ctx,
    harness,
    get capabilities(): StoreCapabilities {
      if (!capabilities) throw new Error("capabilities are known once the case's store is open");
      return capabilities;
    },
    iterations: settings.iterations,
    crashIterations: settings.crashIterations,
    watchRestarts: settings.watchRestarts,
    sweepSessions: settings.sweepSessions,
    duplicateCopies: settings.duplicateCopies,
    open() {
      primary ??= Promise.resolve(harness.create(ctx)).then((store) => {
        capabilities ??= store.capabilities;
        return track(store, "harness.create()");
      });
      return primary;
    },
    first() {
      return env.open();
    },
    lastRound() {
      return last;
    },
    async reopen() {
      if (!harness.reopen) throw new Error("harness has no reopen() hook");
      return track(await harness.reopen(ctx), "harness.reopen()");
    },
    async child(): Promise<ChildStore> {
      if (!harness.childModule) throw new Error("harness has no childModule");
      const child = await startChildStore(harness.childModule, {
        dir: ctx.dir,
        namespace: ctx.namespace,
        options: harness.childOptions ?? {},
      });
      ctx.onCleanup(() => child.kill());
      return child;
    },
    async startTogether<T>(count: number, task: (index: number) => Promise<T>) {
      const { round, offsets } = schedule.next(count);
      const record: RaceRound = { caseId, round, seed: settings.seed, offsets, settled: [], outcomes: [] };
      last = record;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const runs = offsets.map((offset, index) =>
        gate
          .then(() => waitOffset(offset))
          .then(() => task(index))
          .finally(() => record.settled.push(index)),
      );
      release();
      const outcomes = await Promise.allSettled(runs);
      record.outcomes = outcomes.map((outcome) =>
        outcome.status === "fulfilled" ? "ok" : (codeOf(outcome.reason) ?? "error"),
      );
      settings.onRace?.(record);
      return outcomes;
    },
  };
  return env;
}
