import { join } from "node:path";
import { SESSION_ID_PATTERN } from "@sessionkit/core/driver";

/** The files of one store directory. Every name that is not a session id is never a session. */
export function storePaths(root: string) {
  const meta = join(root, ".sessionkit");
  return {
    root,
    meta,
    journal: join(meta, "index.jsonl"),
    snapshot: join(meta, "index.snapshot.json"),
    indexLockTarget: join(meta, "index"),
    indexLock: join(meta, "index.lock"),
    sessionDir: (id: string) => join(root, id),
    record: (id: string) => join(root, id, "session.json"),
    log: (id: string) => join(root, id, "log.jsonl"),
    lock: (id: string) => join(root, `${id}.lock`),
    staging: (id: string, token: string) => join(root, `.new.${id}.${token}`),
    trash: (id: string, token: string) => join(root, `.trash.${id}.${token}`),
  };
}

/** The paths type. */
export type StorePaths = ReturnType<typeof storePaths>;

/** True for directory entries that name a session: lock, temp, staging and trash names never match. */
export function isSessionEntry(name: string): boolean {
  return SESSION_ID_PATTERN.test(name);
}

/** A short random token for temporary names. */
export function token(): string {
  return `${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
