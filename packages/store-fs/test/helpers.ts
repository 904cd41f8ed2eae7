import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isSessionKitError } from "@sessionkit/core";
import { afterEach } from "vitest";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "store-fs-"));
  dirs.push(dir);
  return dir;
}

/** The error code a call or promise ends with ("resolved" if none). */
export async function codeOf(run: (() => unknown) | Promise<unknown>): Promise<string> {
  try {
    await (typeof run === "function" ? run() : run);
    return "resolved";
  } catch (error) {
    return isSessionKitError(error) ? error.code : `raw:${String(error)}`;
  }
}

export const WORKER = fileURLToPath(new URL("./fixtures/worker.mjs", import.meta.url));

/** A worker process and the lines it printed. */
export interface Worker {
  child: ChildProcess;
  lines: string[];
  /** Resolves when the worker has printed `line`. */
  waitFor(line: string): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts test/fixtures/worker.mjs with `config` (and extra environment variables, e.g. a fault hook). */
export function startWorker(config: Record<string, unknown>, env: Record<string, string> = {}): Worker {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(config)], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  const waiters: Array<{ line: string; resolve: () => void; reject: (error: Error) => void }> = [];
  let stderr = "";
  let buffer = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      lines.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf("\n");
    }
    for (const waiter of [...waiters]) {
      if (lines.includes(waiter.line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => {
      for (const waiter of waiters.splice(0))
        waiter.reject(new Error(`worker exited (${code}) before "${waiter.line}": ${stderr}`));
      resolve(code);
    });
  });
  return {
    child,
    lines,
    exited,
    waitFor(line) {
      if (lines.includes(line)) return Promise.resolve();
      return new Promise((resolve, reject) => waiters.push({ line, resolve, reject }));
    },
  };
}
