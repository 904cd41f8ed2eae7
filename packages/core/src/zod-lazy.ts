import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type * as Zod from "zod";

/**
 * zod, loaded on first use rather than when core is imported. Loading it is most of a read-only
 * process's start (95 of the 105 modules `sessionkit stats` loaded, ~52 ms of CPU plus ~25 ms to
 * build core's schemas, see shape.ts), and the read path does not need it: stored records are
 * checked by hand. Writes (create, commit, import, the manager's calls) build their schemas on their
 * first call, synchronously, through require: the sync face of a store cannot await an import.
 *
 * require() of zod's ES module build (require(esm), on by default since Node 20.19, this package's
 * floor), not of its CommonJS one: an application that imports zod itself, and store-fs/compat and
 * the UI, which import it statically, then share one instance with core. With the CommonJS build a
 * process held two copies of zod (~60 ms more CPU and a second set of modules, measured on the
 * bench machine under load 12); before zod became lazy it held one. Where require(esm) is off
 * (`--no-experimental-require-module`) or import.meta.resolve is missing (some test runners), the
 * CommonJS build is loaded instead: two copies, same behaviour.
 */
let loaded: typeof Zod | undefined;

function load(): typeof Zod {
  const require = createRequire(import.meta.url);
  try {
    return require(fileURLToPath(import.meta.resolve("zod"))) as typeof Zod;
  } catch {
    return require("zod") as typeof Zod;
  }
}

export function zod(): typeof Zod.z {
  loaded ??= load();
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
