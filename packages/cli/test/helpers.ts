import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JsonObject, Session, SessionEvent, SessionStatus, SessionStore } from "@sessionkit/core";
import pg from "pg";
import { afterAll, afterEach } from "vitest";

/** The built binary the tests run, as an operator would. */
export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

/** The PostgreSQL server of this machine. */
export const PG_URL = process.env.SESSIONKIT_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** What one run of the binary did. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sessionkit …args` in a child process; `input` goes to its stdin. */
export function runCli(
  args: string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  return runCommand(process.execPath, [BIN, ...args], options);
}

/** Runs `sessionkit …args` on a pseudo-terminal (util-linux `script`): stdout and stderr both arrive in `stdout`. */
export function runCliTty(
  args: string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const quoted = [process.execPath, BIN, ...args].map((part) => `'${part.replace(/'/g, "'\\''")}'`);
  return runCommand("script", ["-qfec", quoted.join(" "), "/dev/null"], options);
}

export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sk-cli-"));
  dirs.push(dir);
  return dir;
}

const STATUSES: SessionStatus[] = ["active", "paused", "completed", "failed", "timeout"];
const MODES = ["openhands", "claude", "aider"];

/** Session `i` of a deterministic data set: varied statuses, modes, users, metadata, hostile strings, `events` events. */
export function makeSession(
  i: number,
  events: number,
  base = Date.parse("2026-10-01T00:00:00.000Z"),
): { session: Session; events: SessionEvent[] } {
  const status = STATUSES[i % STATUSES.length] as SessionStatus;
  const createdAt = new Date(base + i * 60_000).toISOString();
  const updatedAt = new Date(base + i * 60_000 + 30_000).toISOString();
  const history: SessionEvent[] = Array.from({ length: events }, (_, k) => ({
    seq: k + 1,
    timestamp: new Date(base + i * 60_000 + k).toISOString(),
    type: k === 0 ? "start" : k % 3 === 0 ? "tool_call" : "iteration",
    data: (k === 0
      ? { task: `task ${i}` }
      : { step: k, note: k % 7 === 0 ? "ünïcode \u0000 ✓" : `s${k}`, ok: k % 2 === 0 }) as JsonObject,
  }));
  const session: Session = {
    id: `session_t${String(i).padStart(6, "0")}`,
    userId: `user${i % 4}`,
    channelId: `chan${i % 3}`,
    mode: MODES[i % MODES.length] as string,
    task: `Task number ${i}`,
    status,
    createdAt,
    updatedAt,
    iterations: i % 11,
    maxIterations: 100,
    context: { i, nested: { list: [1, null, false, ""] } },
    metadata: { model: i % 2 === 0 ? "gpt-5" : "claude", tier: i % 3, beta: i % 2 === 0 },
    version: 1 + (i % 5),
    eventCount: events,
    ...(status === "completed" ? { result: `done ${i}`, endedAt: updatedAt } : {}),
    ...(status === "failed" ? { error: `boom ${i}`, endedAt: updatedAt } : {}),
    ...(status === "timeout" ? { endedAt: updatedAt } : {}),
    ...(status === "paused" ? { pause: { at: updatedAt, reason: "review" } } : {}),
  };
  return { session, events: history };
}

/** Imports sessions 0..count-1 of the data set into `store`. */
export async function seed(store: SessionStore, count: number, events = 5): Promise<void> {
  for (let i = 0; i < count; i++) {
    const { session, events: history } = makeSession(i, events);
    await store.importSession(session, history);
  }
}

/** Probes the server once: null when reachable, otherwise why not. */
async function probe(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return null;
  } catch (error) {
    return `PostgreSQL not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why the PostgreSQL cases cannot run, or null. Under CI=true they fail instead of skipping. */
export const pgUnavailable = await probe();
export const skipPg = pgUnavailable !== null && process.env.CI !== "true";

const schemas: string[] = [];
afterAll(async () => {
  if (schemas.length === 0 || pgUnavailable) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

/** A store URL on a fresh schema of the server, dropped after the file's tests. */
export function pgStoreUrl(prefix = "sk_cli"): { url: string; schema: string } {
  const schema = `${prefix}_${randomBytes(5).toString("hex")}`;
  schemas.push(schema);
  const url = new URL(PG_URL);
  url.searchParams.set("schema", schema);
  return { url: url.toString(), schema };
}

/** Runs SQL behind the store's back. */
export async function pgQuery<T = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Starts `sessionkit … ui …` and resolves with the URL it prints on its first stdout line. */
export function startUi(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1" } });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const line = stdout.split("\n")[0];
      if (stdout.includes("\n") && line) resolve({ child, url: line, stderr: () => stderr });
    });
    child.on("exit", (code) => reject(new Error(`sessionkit ui exited ${code}: ${stderr}`)));
  });
}
