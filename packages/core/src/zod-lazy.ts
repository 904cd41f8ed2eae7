import { createRequire } from "node:module";
import type * as Zod from "zod";

/**
 * zod, loaded on first use rather than when core is imported. Loading it is most of a read-only
 * process's start (95 of the 105 modules `sessionkit stats` loaded, ~52 ms of CPU plus ~25 ms to
 * build core's schemas, see shape.ts), and the read path does not need it: stored records are
 * checked by hand. Writes (create, commit, import, the manager's calls) build their schemas on their
 * first call, synchronously, through require: zod ships CommonJS beside its ES modules, and the sync
 * face of a store cannot await an import.
 */
let loaded: typeof Zod | undefined;

export function zod(): typeof Zod.z {
  loaded ??= createRequire(import.meta.url)("zod") as typeof Zod;
  return loaded.z;
}

/** `build()`, run on the first call and remembered. */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}
