import { closeSync, fdatasyncSync, promises as fsp, openSync } from "node:fs";
import { errnoCode } from "./fsio.js";

/**
 * The log's fdatasync, taken out of the critical section (group commit). A commit appends its line
 * under the lock and flushes after the lock is released (or handed over), so the next writer, in
 * this process or another, appends while the flush runs. fdatasync flushes the file, not a
 * descriptor: one flush that starts after a line was written makes it durable, whoever runs it, and
 * lines written while a flush runs share the next one. A commit still returns only once a flush that
 * began after its write has completed. Checkpoints are not deferred: session.json may only point at
 * log bytes already flushed, so a commit that checkpoints flushes the log inside its section.
 */
export function createFlusher() {
  /** Per log path: the flush running now, and the one queued behind it for lines written meanwhile. */
  const states = new Map<string, { running: Promise<void>; next?: Promise<void> }>();

  async function flushOnce(path: string): Promise<void> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(path, "r");
    } catch (error) {
      // The session was deleted (or replaced) after our commit: nothing of ours is left to flush.
      if (errnoCode(error) === "ENOENT") return;
      throw error;
    }
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  function start(path: string): Promise<void> {
    const running = flushOnce(path);
    const state = { running } as { running: Promise<void>; next?: Promise<void> };
    states.set(path, state);
    const settle = () => {
      if (states.get(path) === state && !state.next) states.delete(path);
    };
    running.then(settle, settle);
    return running;
  }

  return {
    /** Flushes `path` without blocking the event loop; joins the next flush if one is running. */
    flushAsync(path: string): Promise<void> {
      const state = states.get(path);
      if (!state) return start(path);
      if (!state.next) {
        state.next = state.running.then(
          () => start(path),
          () => start(path),
        );
      }
      return state.next;
    },
    /** Flushes now, blocking: `fd` when the caller still holds the log open, else the path. */
    flushSync(path: string, fd?: number): void {
      if (fd !== undefined) {
        fdatasyncSync(fd);
        return;
      }
      let own: number;
      try {
        own = openSync(path, "r");
      } catch (error) {
        if (errnoCode(error) === "ENOENT") return;
        throw error;
      }
      try {
        fdatasyncSync(own);
      } finally {
        closeSync(own);
      }
    },
  };
}

/** The flusher's type. */
export type Flusher = ReturnType<typeof createFlusher>;
