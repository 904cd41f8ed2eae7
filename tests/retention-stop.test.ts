import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestContext } from "@sessionkit/conformance";
import {
  acquireRetentionLease,
  createSessionManager,
  type SessionStore,
  systemClock,
} from "@sessionkit/core";
import { describe, expect, it } from "vitest";
import { PG_URL, repoAdapters } from "./adapters.js";

const CHILD = fileURLToPath(new URL("./retention-stop-child.mjs", import.meta.url));
const adapters = (await repoAdapters()).filter((a) => ["fs", "sqlite", "postgres"].includes(a.name));
const SESSIONS = 800;
const LEASE_MS = 600;
const POLICIES = [{ when: { olderThan: "7d" }, action: "delete" as const }];

function storagePath(adapter: string, dir: string): string {
  return adapter === "fs" ? join(dir, "sessions") : adapter === "sqlite" ? join(dir, "sessions.sqlite") : dir;
}

/** Resolves once the process is in state T (stopped), read from /proc. */
async function stopped(pid: number): Promise<void> {
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("T")) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function allIds(store: SessionStore): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.list({ limit: 500, cursor });
    ids.push(...page.items.map((s) => s.id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return ids.sort();
}

for (const adapter of adapters) {
  describe.skipIf(adapter.skip !== undefined || process.platform !== "linux")(
    `retention lease under SIGSTOP: ${adapter.name}`,
    () => {
      it("a runner SIGSTOPped past its lease is taken over; after SIGCONT it stops with ERR_LEASE_LOST and deletes nothing more", async () => {
        const handle = createTestContext(`retention-stop-${adapter.name}`);
        try {
          const store = await adapter.create(handle.ctx);
          handle.ctx.onCleanup(() => store.close());
          for (let i = 0; i < SESSIONS; i++)
            await store.create(
              { mode: "m", task: `t${i}`, status: "completed" },
              { events: [{ type: "e" }] },
            );
          const manager = createSessionManager({ store, clock: systemClock });
          const dry = await manager.applyRetention({ dryRun: true, policies: POLICIES });
          expect(dry.removed).toHaveLength(SESSIONS);
          const args = {
            adapter: adapter.name,
            dir: storagePath(adapter.name, handle.ctx.dir),
            namespace: handle.ctx.namespace,
            pgUrl: PG_URL,
            leaseMs: LEASE_MS,
          };
          const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], {
            stdio: ["ignore", "pipe", "inherit"],
          });
          let out = "";
          let wake = () => {};
          child.stdout.on("data", (data: Buffer) => {
            out += data.toString("utf8");
            wake();
          });
          const said = (text: string) =>
            new Promise<void>((resolve) => {
              wake = () => out.includes(text) && resolve();
              wake();
            });
          const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
          await said("stopping\n");
          await stopped(child.pid!);
          // Another runner: waits for the stopped holder's lease to pass its instant, then takes it.
          const taken = await acquireRetentionLease(store, systemClock, { waitMs: 20 * LEASE_MS });
          const atTakeover = await allIds(store);
          expect(atTakeover.length).toBe(SESSIONS - 100);
          child.kill("SIGCONT");
          expect(await exited).toBe(0);
          expect(JSON.parse(out.trim().split("\n").at(-1)!)).toEqual({ error: "ERR_LEASE_LOST" });
          expect(await allIds(store)).toEqual(atTakeover);
          await taken.release();
          const rest = await manager.applyRetention({ policies: POLICIES });
          expect(rest.removed).toEqual(atTakeover);
          expect(await store.count()).toBe(0);
          await manager.close();
        } finally {
          expect(await handle.cleanup()).toEqual([]);
        }
      }, 300_000);
    },
  );
}
