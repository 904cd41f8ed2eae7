import type { SessionStore, StoreCapabilities } from "@sessionkit/core";
import type { CaseEnv, ChildStore } from "./case.js";
import { startChildStore } from "./child.js";
import { withDeadline } from "./context.js";
import type { ConformanceContext, ConformanceHarness } from "./harness.js";

/** Real-time bound for closing a handle in cleanup; a hang here is reported, not waited out. */
const CLOSE_DEADLINE_MS = 10_000;

/** Settings a run resolves once from the options. */
export interface RunSettings {
  iterations: number;
  crashIterations: number;
}

/** Builds the environment of one case; everything it opens is closed by `ctx`'s cleanups. */
export function createCaseEnv(
  harness: ConformanceHarness,
  ctx: ConformanceContext,
  settings: RunSettings,
): CaseEnv & { first(): Promise<SessionStore> } {
  let primary: Promise<SessionStore> | undefined;
  let capabilities: StoreCapabilities | undefined;

  const track = (store: SessionStore, what: string): SessionStore => {
    ctx.onCleanup(() => withDeadline(store.close(), CLOSE_DEADLINE_MS, `${what}.close()`));
    return store;
  };

  const env: CaseEnv & { first(): Promise<SessionStore> } = {
    ctx,
    harness,
    get capabilities(): StoreCapabilities {
      if (!capabilities) throw new Error("capabilities are known once the case's store is open");
      return capabilities;
    },
    iterations: settings.iterations,
    crashIterations: settings.crashIterations,
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
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const runs = Array.from({ length: count }, (_, index) => gate.then(() => task(index)));
      release();
      return Promise.allSettled(runs);
    },
  };
  return env;
}
