import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { createSessionManager, isSessionKitError } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import * as root from "@sessionkit/store-fs/compat";
import * as manager from "@sessionkit/store-fs/compat/manager";
import * as store from "@sessionkit/store-fs/compat/store";
import type { AgentSession, SessionStatus, SessionSummary } from "@sessionkit/store-fs/compat/types";
import * as types from "@sessionkit/store-fs/compat/types";
import { describe, expect, it } from "vitest";
import { useFreshStore } from "./helpers.js";

const DAY = 86_400_000;

// What each of the seed's files exported (read from the seed module).
const SEED_MANAGER = [
  "configureWebhook",
  "startSession",
  "pauseSession",
  "resumeSession",
  "addEvent",
  "getSessionContext",
  "completeSession",
  "failSession",
  "updateContext",
  "incrementIteration",
  "recordToolCall",
  "recordLearning",
  "getSession",
  "listSessions",
  "deleteSession",
  "cleanupOldSessions",
  "getSessionStats",
  "getActiveSessions",
  "getPausedSessions",
  "getCompletedSessions",
  "getFailedSessions",
  "isSessionResumable",
  "getSessionDuration",
  "getSessionProgress",
];
const SEED_STORE = [
  "createSession",
  "getSession",
  "updateSession",
  "saveSession",
  "listSessions",
  "deleteSession",
  "cleanupOldSessions",
  "getSessionStats",
  "exportSession",
  "importSession",
];

async function finishThree(): Promise<string[]> {
  const ids: string[] = [];
  for (const outcome of ["complete", "fail", "timeout"] as const) {
    const { id } = await manager.startSession(`task ${outcome}`, "developer", { maxIterations: 1 });
    if (outcome === "complete") await manager.completeSession(id, "done");
    if (outcome === "fail") await manager.failSession(id, "boom");
    if (outcome === "timeout") await manager.incrementIteration(id);
    ids.push(id);
  }
  return ids;
}

describe("per-file entry points mirror the seed's files", () => {
  it("compat/manager and compat/store export every name of the seed's manager.ts and store.ts", () => {
    for (const name of SEED_MANAGER)
      expect(typeof (manager as Record<string, unknown>)[name], name).toBe("function");
    for (const name of SEED_STORE)
      expect(typeof (store as Record<string, unknown>)[name], name).toBe("function");
    // compat/types is types only, like the seed's types.ts.
    expect(Object.keys(types)).toEqual([]);
    const summary: SessionSummary | undefined = undefined;
    const status: SessionStatus = "paused";
    expect([summary, status]).toEqual([undefined, "paused"]);
  });

  it("all entry points share one configured store", async () => {
    useFreshStore();
    const created: AgentSession = store.createSession({ task: "t", mode: "developer" });
    expect(manager.getSession(created.id)?.id).toBe(created.id);
    expect(await manager.incrementIteration(created.id)).toBe(true);
    expect(root.getSession(created.id)?.iterations).toBe(1);
    expect(store.listSessions().map((s) => s.id)).toEqual([created.id]);
  });

  it("compat/manager's cleanupOldSessions takes days: three sessions finished just now all stay", async () => {
    const { clock } = useFreshStore();
    const ids = await finishThree();
    expect(manager.cleanupOldSessions(30)).toBe(0);
    expect(manager.cleanupOldSessions()).toBe(0);
    clock.advance(30 * DAY);
    expect(manager.cleanupOldSessions(30)).toBe(0);
    clock.advance(1);
    expect(manager.cleanupOldSessions(30)).toBe(3);
    for (const id of ids) expect(manager.getSession(id)).toBeNull();
  });

  it("compat/store's cleanupOldSessions takes milliseconds, as the seed's store.ts did", async () => {
    const { clock } = useFreshStore();
    await finishThree();
    expect(store.cleanupOldSessions(0)).toBe(0);
    clock.advance(31);
    expect(store.cleanupOldSessions(30)).toBe(3);
  });

  it("root compat: cleanupOldSessions(1..999) is refused naming cleanupSessions(days) and compat/manager, deleting nothing", async () => {
    const { clock, dir } = useFreshStore();
    const ids = await finishThree();
    clock.advance(DAY);
    for (const value of [1, 30, 999]) {
      let caught: unknown;
      try {
        root.cleanupOldSessions(value);
      } catch (error) {
        caught = error;
      }
      expect(isSessionKitError(caught, "ERR_INVALID_INPUT")).toBe(true);
      expect((caught as Error).message).toContain(`cleanupSessions(${value})`);
      expect((caught as Error).message).toContain("@sessionkit/store-fs/compat/manager");
    }
    for (const id of ids) expect(existsSync(join(dir, id))).toBe(true);
    // 0 and fractions keep the seed's meaning (its own tests call them); so does 1000 and more.
    expect(root.cleanupOldSessions(0.5)).toBe(3);
    expect(root.cleanupOldSessions(0)).toBe(0);
    expect(root.cleanupOldSessions(1000)).toBe(0);
    for (const bad of [-1, Number.NaN, "30", null]) {
      expect(() => root.cleanupOldSessions(bad as number)).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_INPUT" }),
      );
    }
    // cleanupSessions takes days everywhere.
    expect(root.cleanupSessions(30)).toBe(0);
  });

  it("isSessionResumable of an active session is false while another live owner holds it", async () => {
    const { dir } = useFreshStore();
    const { id } = await manager.startSession("owned elsewhere", "developer");
    const other = createFsStore({ dir });
    const owner = createSessionManager({ store: other });
    try {
      await owner.claim(id);
      expect(manager.isSessionResumable(id)).toBe(false);
      await owner.release(id);
      expect(manager.isSessionResumable(id)).toBe(true);
    } finally {
      await owner.close();
      await other.close();
    }
  });

  it("isSessionResumable of an active session is true when its owner crashed or its lease ran out", async () => {
    const { dir, clock } = useFreshStore();
    const { id } = await manager.startSession("owner crashed", "developer");
    const direct = createFsStore({ dir, clock });
    const plant = async (owner: { id: string; host: string; pid: number; startedAt: string }) => {
      const current = await direct.get(id);
      const leaseUntil = new Date(clock.now() + 60_000).toISOString();
      await direct.commit(id, {
        patch: { owner: { ...owner, generation: current!.version + 1 }, leaseUntil },
      });
    };
    try {
      // A process that ran on this host and is gone (its pid no longer exists): not a live owner.
      const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
      await plant({ id: "owner_dead", host: hostname(), pid: dead, startedAt: new Date().toISOString() });
      expect(manager.isSessionResumable(id)).toBe(true);
      // An owner on another host is live while its lease runs on the store's clock, and not after.
      await plant({ id: "owner_far", host: "another-host", pid: 1, startedAt: new Date().toISOString() });
      expect(manager.isSessionResumable(id)).toBe(false);
      clock.advance(60_001);
      expect(manager.isSessionResumable(id)).toBe(true);
    } finally {
      await direct.close();
    }
  });
});
