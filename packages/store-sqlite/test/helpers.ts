import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CorruptionKind } from "@sessionkit/conformance";
import Database from "better-sqlite3";
import { afterEach } from "vitest";

/** The database file a test directory holds. */
export const dbFile = (dir: string): string => join(dir, "sessions.db");

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sk-sqlite-"));
  dirs.push(dir);
  return dir;
}

/** Opens the file behind the store's back (the persisted-state oracle). */
export function rawDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma("busy_timeout = 5000");
  return db;
}

const DAMAGE: Record<CorruptionKind, (record: string) => string> = {
  truncate: (record) => record.slice(0, Math.floor(record.length / 2)),
  garbage: () => "\u0000\u00ff not json at all {{{",
  "wrong-type": (record) => JSON.stringify({ ...JSON.parse(record), iterations: "many", status: 42 }),
  "future-version": (record) => JSON.stringify({ ...JSON.parse(record), schemaVersion: 99 }),
};

/** Damages the stored record of `id` in place, as a torn or foreign write would. */
export function corruptRow(file: string, id: string, kind: CorruptionKind): void {
  const db = rawDb(file);
  try {
    const row = db.prepare("SELECT record FROM sessions WHERE id = ?").get(id) as
      | { record: string }
      | undefined;
    if (!row) throw new Error(`no row for ${id}`);
    db.prepare("UPDATE sessions SET record = ? WHERE id = ?").run(DAMAGE[kind](row.record), id);
  } finally {
    db.close();
  }
}

/** Every stored row that belongs to a session, as "table:key" strings. */
export function inspectRows(file: string): string[] {
  const db = rawDb(file);
  try {
    const sessions = db.prepare("SELECT id FROM sessions").all() as Array<{ id: string }>;
    const events = db.prepare("SELECT session_id, seq FROM events").all() as Array<{
      session_id: string;
      seq: number;
    }>;
    const metadata = db.prepare("SELECT session_id, key FROM session_metadata").all() as Array<{
      session_id: string;
      key: string;
    }>;
    return [
      ...sessions.map((row) => `sessions:${row.id}`),
      ...events.map((row) => `events:${row.session_id}:${row.seq}`),
      ...metadata.map((row) => `session_metadata:${row.session_id}:${row.key}`),
    ];
  } finally {
    db.close();
  }
}

/** A forked fixture process with a message queue. */
export interface Child {
  /** Sends a command and waits for the next message that has `ok`, `error` or (if asked) `progress`. */
  request(message: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The next message of any kind. */
  next(): Promise<Record<string, unknown>>;
  /** Every message received so far and not yet taken. */
  drain(): Array<Record<string, unknown>>;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
}

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
});

/** Forks `fixtures/<name>.mjs` and waits for its "ready". */
export async function forkFixture(name: string): Promise<Child> {
  const process = fork(fileURLToPath(new URL(`./fixtures/${name}.mjs`, import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.add(process);
  const queue: Array<Record<string, unknown>> = [];
  const waiters: Array<(message: Record<string, unknown>) => void> = [];
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    process.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  process.on("message", (message: Record<string, unknown>) => {
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  const next = (): Promise<Record<string, unknown>> => {
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    if (exited) return Promise.reject(new Error(`fixture ${name} exited`));
    return new Promise((resolve) => waiters.push(resolve));
  };
  const child: Child = {
    async request(message) {
      process.send(message);
      for (;;) {
        const reply = await next();
        if ("ok" in reply || "error" in reply) {
          if ("error" in reply)
            throw Object.assign(new Error(String((reply.error as { message: string }).message)), reply.error);
          return reply;
        }
      }
    },
    next,
    drain: () => queue.splice(0),
    async kill() {
      process.kill("SIGKILL");
      await exit;
      children.delete(process);
    },
  };
  const ready = await next();
  if (ready.ok !== "ready") throw new Error(`fixture ${name} did not start: ${JSON.stringify(ready)}`);
  return child;
}
