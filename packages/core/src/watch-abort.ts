/** What an abort runs for one signal, and the one listener that runs it. */
interface Fanout {
  callbacks: Set<() => void>;
  fire(): void;
}

/**
 * One "abort" listener per signal, however many watchers share it: each watcher added two or
 * three of its own (its leave, its wait, its idle pause), so 200 watchers on one signal put 400
 * listeners on it and Node printed MaxListenersExceededWarning past 10. The listener comes off the
 * signal when its last watcher ends, so a long-lived signal keeps nothing.
 */
export function createAbortFanout() {
  const bySignal = new WeakMap<AbortSignal, Fanout>();

  return {
    /**
     * Runs `callback` once when `signal` aborts; returns its idempotent removal. A signal that
     * has already aborted never fires: callers check `signal.aborted` first.
     */
    on(signal: AbortSignal | undefined, callback: () => void): () => void {
      if (!signal) return () => undefined;
      let fanout = bySignal.get(signal);
      if (!fanout) {
        const created: Fanout = {
          callbacks: new Set(),
          fire() {
            bySignal.delete(signal);
            for (const run of [...created.callbacks]) run();
            created.callbacks.clear();
          },
        };
        signal.addEventListener("abort", created.fire, { once: true });
        bySignal.set(signal, created);
        fanout = created;
      }
      const own = fanout;
      // A callback registered twice must run twice: wrap it so each registration is its own entry.
      const entry = () => callback();
      own.callbacks.add(entry);
      return () => {
        if (!own.callbacks.delete(entry) || own.callbacks.size > 0) return;
        if (bySignal.get(signal) === own) {
          signal.removeEventListener("abort", own.fire);
          bySignal.delete(signal);
        }
      };
    },
  };
}

/** The fan-out type. */
export type AbortFanout = ReturnType<typeof createAbortFanout>;
