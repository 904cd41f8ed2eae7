import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";

/**
 * Real fault injection without a seam in the store: wraps node:fs's openSync/writeSync (CJS object,
 * then syncBuiltinESMExports so the store's named ESM imports see the wrappers). `beforeWrite` runs
 * before every write to a file opened through openSync, with the path it was opened at; it may
 * throw (a fault) or act (another writer). Returns the function that restores node:fs.
 */
export function hookWrites(beforeWrite: (path: string, data: Buffer) => void): () => void {
  const openSync = fs.openSync;
  const writeSync = fs.writeSync;
  const paths = new Map<number, string>();
  fs.openSync = ((path: fs.PathLike, ...rest: unknown[]) => {
    const fd = (openSync as (...args: unknown[]) => number)(path, ...rest);
    paths.set(fd, String(path));
    return fd;
  }) as typeof fs.openSync;
  fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    const path = paths.get(fd);
    if (path !== undefined && Buffer.isBuffer(data)) beforeWrite(path, data);
    return (writeSync as (...args: unknown[]) => number)(fd, data, ...rest);
  }) as typeof fs.writeSync;
  syncBuiltinESMExports();
  return () => {
    fs.openSync = openSync;
    fs.writeSync = writeSync;
    syncBuiltinESMExports();
  };
}

/** Makes a session's lock look abandoned (older than any stale time), as if its holder were stopped. */
export function ageLock(dir: string, id: string): void {
  const lock = join(dir, `${id}.lock`);
  const old = new Date(Date.now() - 120_000);
  for (const name of fs.readdirSync(lock)) fs.utimesSync(join(lock, name), old, old);
  fs.utimesSync(lock, old, old);
}

/** A real ENOSPC error, as node:fs raises it. */
export function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error("ENOSPC: no space left on device, write"), {
    code: "ENOSPC",
    errno: -28,
    syscall: "write",
  });
}
