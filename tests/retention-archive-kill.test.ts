import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestContext } from "@sessionkit/conformance";
import { createSessionManager, type SessionStore, systemClock } from "@sessionkit/core";
import { describe, expect, it } from "vitest";
import { PG_URL, repoAdapters } from "./adapters.js";

const CHILD = fileURLToPath(new URL("./retention-archive-child.mjs", import.meta.url));
const adapters = (await repoAdapters()).filter((a) => ["fs", "sqlite", "postgres"].includes(a.name));
const SESSIONS = 1200; // three chunks of 500 (the last one short)

function storagePath(adapter: string, dir: string): string {
  return adapter === "fs" ? join(dir, "sessions") : adapter === "sqlite" ? join(dir, "sessions.sqlite") : dir;
}

/** Runs the child; with `stopAt`, SIGKILLs it once it says it is about to delete that chunk. */
function runChild(args: Record<string, unknown>, stopAt: number | null): Promise<string> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify({ ...args, stopAt })], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (data: Buffer) => {
      out += data.toString("utf8");
      if (stopAt !== null && out.includes("deleting\n")) child.kill("SIGKILL");
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (stopAt !== null ? signal === "SIGKILL" : code === 0) resolve(out);
      else reject(new Error(`retention child exited ${code ?? signal}: ${out}`));
    });
  });
}

/** The session ids of an archive's lines, in file order (its header skipped). */
function archivedIds(path: string): string[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, "utf8").split("\n");
  expect(lines.at(-1)).toBe("");
  return lines.slice(1, -1).map((line) => (JSON.parse(line) as { session: { id: string } }).session.id);
}

async function seed(store: SessionStore): Promise<void> {
  for (let i = 0; i < SESSIONS; i++) {
    await store.create(
      { mode: "m", task: `t${i}`, status: i % 6 === 0 ? "active" : "completed" },
      { events: [{ type: "note", data: { i } }] },
    );
  }
}

for (const adapter of adapters) {
  describe.skipIf(adapter.skip !== undefined)(`archive retention under SIGKILL: ${adapter.name}`, () => {
    it("a kill between a chunk's archive fsync and its delete, twice over, then a full run: each session archived exactly once", async () => {
      const handle = createTestContext(`archive-kill-${adapter.name}`);
      try {
        const store = await adapter.create(handle.ctx);
        handle.ctx.onCleanup(() => store.close());
        await seed(store);
        const manager = createSessionManager({ store, clock: systemClock });
        const policies = [{ when: { olderThan: "7d" }, action: "archive" as const, archivePath: "-" }];
        const dry = await manager.applyRetention({ dryRun: true, policies });
        const archivePath = join(handle.ctx.dir, "archive.jsonl");
        const args = {
          adapter: adapter.name,
          dir: storagePath(adapter.name, handle.ctx.dir),
          namespace: handle.ctx.namespace,
          pgUrl: PG_URL,
          archivePath,
        };
        // Killed before its first delete, then again before its second: the first chunk was
        // archived twice over and deleted once, the second archived and never deleted.
        await runChild(args, 1);
        expect(new Set(archivedIds(archivePath)).size).toBe(500);
        await runChild(args, 2);
        await runChild(args, null);
        const ids = archivedIds(archivePath);
        expect(ids.length).toBe(dry.removed.length);
        expect([...ids].sort()).toEqual(dry.removed);
        expect(await store.count()).toBe(SESSIONS - dry.removed.length);
        await manager.close();
      } finally {
        expect(await handle.cleanup()).toEqual([]);
      }
    }, 300_000);
  });
}
