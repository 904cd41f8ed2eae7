import { spawnSync } from "node:child_process";
import {
  type Clock,
  createSessionManager,
  type Session,
  type SessionManager,
  type SessionStore,
} from "@sessionkit/core";
import { expectDeepEqual, expectEqual, freshId, input } from "../assertions.js";
import type { CaseEnv, ChildStore } from "../case.js";

// Helpers of the manager-driven groups (SS-LS, SS-IDEM): managers closed after the case, child
// managers, sessions with expired or dead owners, and the sweep outcome checks.
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The webhook options of the notifying cases: every event to `url`, retried fast (a case waits for
 * delivery in close()). Also what a child manager is started with.
 */
export function webhooksTo(url: string) {
  return { webhooks: { url, events: ["*"], backoff: { baseMs: 5, maxMs: 20 } } };
}

/**
 * A manager over `store` that claims as `ownerId` and, with `webhookUrl`, sends every event there
 * (see webhooksTo); closed after the case (a case that counts deliveries closes it first itself).
 */
export function managerOf(
  env: CaseEnv,
  store: SessionStore,
  options: { clock?: Clock; ownerId?: string; leaseMs?: number; webhookUrl?: string } = {},
): SessionManager {
  const manager = createSessionManager({
    store,
    clock: options.clock ?? env.ctx.clock,
    ...(options.ownerId
      ? { ownership: { ownerId: options.ownerId, leaseMs: options.leaseMs ?? 60_000 } }
      : {}),
    ...(options.webhookUrl === undefined ? {} : webhooksTo(options.webhookUrl)),
  });
  env.ctx.onCleanup(() => manager.close({ timeoutMs: 2_000 }));
  return manager;
}

/** The events of `type` in the session's history. */
export async function eventsOf(store: SessionStore, id: string, type: string) {
  return (await store.readEvents(id)).filter((event) => event.type === type);
}

/** A child running a manager (real clock) over the same storage; `ownership` as the manager takes it. */
export async function managerChild(env: CaseEnv, options: Record<string, unknown> = {}): Promise<ChildStore> {
  const child = await env.child();
  await child.command("manager", [options]);
  return child;
}

/** A child manager owning a new session it started (lease `leaseMs`, real clock). */
export async function ownedByChild(env: CaseEnv, ownerId: string, leaseMs: number) {
  const owner = await managerChild(env, { ownership: { ownerId, leaseMs } });
  const started = (await owner.command("call", ["start", [{ task: ownerId, mode: "m" }]])) as Session;
  return { owner, started };
}

/** A pid that no process has: a child that already exited (same host, so the sweeper's fast path applies). */
export function deadPid(): number {
  const done = spawnSync(process.execPath, ["-e", ""]);
  return done.pid;
}

export async function expectCrashedOnce(store: SessionStore, id: string, what: string): Promise<Session> {
  const session = (await store.get(id))!;
  expectEqual(session.status, "paused", `${what}: status of the swept session`);
  expectEqual(session.pause?.reason, "crashed", `${what}: pause.reason of the swept session`);
  expectEqual(session.owner, undefined, `${what}: owner after the sweep`);
  expectEqual((await eventsOf(store, id, "crash")).length, 1, `${what}: crash events in the history`);
  return session;
}

/** `count` active sessions owned by an owner on another host whose lease ended long ago. */
export async function createExpired(store: SessionStore, count: number, label: string): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, k) => freshId(`${label}e${k}`));
  for (const id of ids) {
    await store.create(
      input({
        id,
        owner: {
          id: "owner_far",
          host: "conformance.invalid",
          pid: 1,
          startedAt: "2020-01-01T00:00:00.000Z",
          generation: 1,
        },
        leaseUntil: "2020-01-01T00:00:01.000Z",
      }),
    );
  }
  return ids;
}

export async function expectOneCrashEach(
  store: SessionStore,
  ids: string[],
  results: PromiseSettledResult<{ crashed: string[] }>[],
  what: string,
): Promise<void> {
  const reported: string[] = [];
  results.forEach((result, k) => {
    if (result.status === "rejected")
      throw new Error(`${what}: sweeper ${k} failed: ${String(result.reason)}`);
    reported.push(...result.value.crashed);
  });
  expectEqual(
    reported.length,
    ids.length,
    `${what}: crashes reported over all sweepers (a higher count means a session was swept twice)`,
  );
  expectDeepEqual([...new Set(reported)].sort(), [...ids].sort(), `${what}: the sessions reported crashed`);
  for (const id of ids) await expectCrashedOnce(store, id, `${what}, ${id}`);
}
