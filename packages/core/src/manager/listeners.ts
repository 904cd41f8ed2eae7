/** In-process listeners by event name; `"*"` receives every history event. */
export interface Listeners {
  on(event: string, listener: (payload: never) => unknown): () => void;
  /** Calls the listeners of `event` (and of `"*"` when `wildcard`); never throws. */
  emit(event: string, payload: unknown, wildcard: boolean): void;
}

/** Creates a listener registry; errors thrown or rejected by listeners go to `onError`. */
export function createListeners(onError: (error: unknown, event: string) => void): Listeners {
  const byName = new Map<string, Set<(payload: unknown) => unknown>>();

  function call(listener: (payload: unknown) => unknown, event: string, payload: unknown): void {
    try {
      const returned = listener(payload);
      if (returned && typeof (returned as Promise<unknown>).then === "function") {
        (returned as Promise<unknown>).then(undefined, (error: unknown) => report(error, event));
      }
    } catch (error) {
      report(error, event);
    }
  }

  function report(error: unknown, event: string): void {
    try {
      onError(error, event);
    } catch {
      // The error reporter itself failed; nothing more can be done without breaking the caller.
    }
  }

  return {
    on(event, listener) {
      let set = byName.get(event);
      if (!set) {
        set = new Set();
        byName.set(event, set);
      }
      const fn = listener as (payload: unknown) => unknown;
      set.add(fn);
      return () => {
        set.delete(fn);
      };
    },
    emit(event, payload, wildcard) {
      for (const listener of [...(byName.get(event) ?? [])]) call(listener, event, payload);
      if (wildcard) for (const listener of [...(byName.get("*") ?? [])]) call(listener, event, payload);
    },
  };
}
