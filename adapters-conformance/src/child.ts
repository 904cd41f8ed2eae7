import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ChildStore } from "./case.js";
import type { ChildStoreInfo } from "./harness.js";

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function runnerPath(): string {
  // Built: dist/child-runner.js sits beside this chunk. From source (the package's own tests): use dist.
  const candidates = [
    new URL("./child-runner.js", import.meta.url),
    new URL("../dist/child-runner.js", import.meta.url),
  ];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  throw new Error("@sessionkit/conformance: dist/child-runner.js is missing; build the package first");
}

/** An error thrown in the child, rebuilt with its code and name. */
export class ChildError extends Error {
  code: unknown;
  constructor(error: { code: unknown; message: string; name: string }) {
    super(error.message);
    this.name = error.name;
    this.code = error.code;
  }
}

/** Forks the runner, builds the store from `module` with `info`, and returns a proxy. */
export async function startChildStore(
  module: string,
  info: ChildStoreInfo,
  timeoutMs = 30_000,
): Promise<ChildStore> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const child of live) child.kill("SIGKILL");
    });
  }
  const child = fork(runnerPath(), [], {
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  live.add(child);
  let nextId = 1;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  const progressWaiters: Array<(value: unknown) => void> = [];
  const progressQueue: unknown[] = [];
  let exited = false;
  let latest: unknown;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = true;
      live.delete(child);
      for (const { reject } of pending.values()) {
        reject(new Error(`child process exited (${signal ?? code}) before answering`));
      }
      pending.clear();
      // A reader waiting for progress learns of the exit too (undefined: nothing more will come).
      for (const waiter of progressWaiters.splice(0)) waiter(undefined);
      resolve();
    });
  });
  child.on(
    "message",
    (message: { id?: number; type?: string; ok?: boolean; value?: unknown; error?: never }) => {
      if (message.type === "progress") {
        latest = message.value;
        const waiter = progressWaiters.shift();
        if (waiter) waiter(message.value);
        else progressQueue.push(message.value);
        return;
      }
      if (message.id === undefined) return;
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      if (message.ok) entry.resolve(message.value);
      else entry.reject(new ChildError(message.error!));
    },
  );

  function request(payload: Record<string, unknown>): Promise<unknown> {
    if (exited) return Promise.reject(new Error("child process has exited"));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ id, ...payload });
    });
  }

  const kill = async () => {
    if (!exited) child.kill("SIGKILL");
    await exitPromise;
  };

  const moduleUrl = module.startsWith("file:") ? module : pathToFileURL(module).href;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      request({ command: "init", module: moduleUrl, info }),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`child store did not start within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    await kill();
    throw error;
  } finally {
    clearTimeout(timer);
  }

  const call =
    (method: string) =>
    (...args: unknown[]) =>
      request({ method, args }) as Promise<never>;
  return {
    pid: child.pid ?? -1,
    create: call("create"),
    get: call("get"),
    getWithHistory: call("getWithHistory"),
    commit: call("commit"),
    readEvents: call("readEvents"),
    list: call("list"),
    count: call("count"),
    stats: call("stats"),
    delete: call("delete"),
    prune: call("prune"),
    importSession: call("importSession"),
    command: (name, args = []) => request({ command: name, args }),
    lastProgress: () => latest,
    nextProgress() {
      if (progressQueue.length > 0) return Promise.resolve(progressQueue.shift());
      if (exited) return Promise.reject(new Error("child process has exited"));
      return new Promise((resolve) => progressWaiters.push(resolve));
    },
    async close() {
      if (exited) return;
      try {
        await Promise.race([request({ command: "close" }), exitPromise]);
      } finally {
        child.disconnect?.();
        await Promise.race([exitPromise, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        await kill();
      }
    },
    kill,
    signal(name) {
      if (!exited) child.kill(name);
    },
  };
}
