import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./fixtures/child-store.mjs", import.meta.url));

/** A running child fixture: waits for its gate, then resolves with its last JSON line. */
export interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  result: Promise<Record<string, unknown>>;
  go(): void;
}

/** Starts the child fixture with a task; env overrides (TZ) apply to the child only. */
export function startChild(task: Record<string, unknown>, env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(task)], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let buffer = "";
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  const lines: Record<string, unknown>[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let index = buffer.indexOf("\n");
    while (index >= 0) {
      const line = JSON.parse(buffer.slice(0, index)) as Record<string, unknown>;
      buffer = buffer.slice(index + 1);
      if (line.ready) resolveReady();
      else lines.push(line);
      index = buffer.indexOf("\n");
    }
  });
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      resolveReady();
      const last = lines[lines.length - 1];
      if (code === 0 && last) resolve(last);
      else reject(new Error(`child exited with ${code}: ${JSON.stringify(last)}`));
    });
  });
  return {
    process: child,
    ready,
    result,
    go: () => {
      child.stdin.write("go\n");
      child.stdin.end();
    },
  };
}
