import { defineSessionStore, errors, type SessionStore } from "@sessionkit/core/driver";
import { createFsCore } from "./fs-driver.js";
import { type FsStoreOptions, parseFsStoreOptions } from "./options.js";

/** The filesystem store: a SessionStore plus index maintenance. */
export interface FsSessionStore extends SessionStore {
  /** The directory the store lives in. */
  readonly dir: string;
  /** Rebuilds the listing index from the session files (after editing files behind the store's back). */
  rebuildIndex(): void;
  /** Folds the index journal into its snapshot now (it also happens on its own as the journal grows). */
  compactIndex(): void;
}

/**
 * Opens the filesystem store at `options.dir`: `<dir>/<id>/session.json` per session, an
 * append-only log beside it, directory locks between processes (held while a writer keeps
 * committing), crash-safe writes, and an index for listing. close() ends its held leases and
 * closes its descriptors (the journal's, and the logs its leases keep open).
 */
export function createFsStore(options: FsStoreOptions): FsSessionStore {
  const resolved = parseFsStoreOptions(options);
  let core: ReturnType<typeof createFsCore>;
  try {
    core = createFsCore(resolved);
  } catch (error) {
    throw errors.io("store-fs", `open the store directory ${JSON.stringify(resolved.dir)}`, error);
  }
  // One wrapper: the async driver waits for locks without blocking, store.sync() uses its sync twin.
  const store = defineSessionStore(core.asyncDriver, {
    ...(resolved.clock ? { clock: resolved.clock } : {}),
    syncDriver: core.syncDriver,
  });
  let closed = false;

  function guarded(action: string, fn: () => void): void {
    if (closed) throw errors.closed("store-fs");
    try {
      fn();
    } catch (error) {
      throw errors.io("store-fs", action, error);
    }
  }

  return {
    ...store,
    dir: resolved.dir,
    rebuildIndex() {
      guarded("rebuild the listing index", () => core.index.rebuild());
    },
    compactIndex() {
      guarded("compact the listing index", () => core.index.compact());
    },
    async close() {
      closed = true;
      await store.close();
      core.close();
    },
  };
}
