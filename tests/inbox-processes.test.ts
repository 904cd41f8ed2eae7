import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type ConformanceContext, createTestContext } from "@sessionkit/conformance";
import { createSessionManager, type InboxPage, type SessionStore } from "@sessionkit/core";
import { describe, expect, it } from "vitest";
import { PG_URL, repoAdapters } from "./adapters.js";

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL("./inbox-child.mjs", import.meta.url));
const adapters = (await repoAdapters()).filter((adapter) => adapter.name !== "memory");

function storagePath(adapter: string, dir: string): string {
  return adapter === "fs" ? join(dir, "sessions") : adapter === "sqlite" ? join(dir, "sessions.sqlite") : dir;
}

for (const adapter of adapters) {
  describe.skipIf(adapter.skip !== undefined)(`inbox across processes: ${adapter.name}`, () => {
    async function withStore(
      body: (store: SessionStore, args: Record<string, unknown>, ctx: ConformanceContext) => Promise<void>,
    ) {
      const handle = createTestContext(`inbox-${adapter.name}`);
      try {
        const store = await adapter.create(handle.ctx);
        handle.ctx.onCleanup(() => store.close());
        const args = {
          adapter: adapter.name,
          dir: storagePath(adapter.name, handle.ctx.dir),
          namespace: handle.ctx.namespace,
          pgUrl: PG_URL,
        };
        await body(store, args, handle.ctx);
      } finally {
        expect(await handle.cleanup()).toEqual([]);
      }
    }

    it("50 concurrent responders in 2 processes to the same request: exactly one resolution, every caller gets the first answer", async () => {
      await withStore(async (store, args) => {
        const manager = createSessionManager({ store });
        for (let round = 0; round < 3; round++) {
          const s = await manager.start({ task: `t${round}`, mode: "m" });
          await manager.requestInput(s.id, { requestId: "go", kind: "approval", prompt: "Go?" });
          const startAt = Date.now() + 1500;
          const child = (tag: string) =>
            run(process.execPath, [
              CHILD,
              JSON.stringify({ ...args, mode: "respond", sessionId: s.id, count: 25, startAt, tag }),
            ]).then(({ stdout }) => JSON.parse(stdout.trim()) as Array<{ first: boolean; answer: unknown }>);
          const results = (await Promise.all([child("a"), child("b")])).flat();
          expect(results).toHaveLength(50);
          expect(results.filter((r) => r.first)).toHaveLength(1);
          const winner = results.find((r) => r.first)!.answer;
          for (const r of results) expect(r.answer).toEqual(winner);
          const history = (await store.readEvents(s.id)).map((e) => e.type);
          expect(history.filter((t) => t === "input_received")).toHaveLength(1);
          expect((await store.get(s.id))!.inputAnswers?.go).toEqual(winner);
        }
        await manager.close();
      });
    });

    it("SIGKILL between requestInput and respond: after restart the inbox lists exactly the same open requests", async () => {
      await withStore(async (store, args, ctx) => {
        const child = spawn(process.execPath, [CHILD, JSON.stringify({ ...args, mode: "ask" })], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let seen: InboxPage | undefined;
        for await (const line of createInterface({ input: child.stdout! })) {
          seen = JSON.parse(line) as InboxPage;
          break;
        }
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        });
        expect(seen?.items).toHaveLength(3);
        // The parent's handle was open all along; a fresh reopen (the restart) must agree with it.
        const again = await adapter.reopen!(ctx);
        ctx.onCleanup(() => again.close());
        expect(await again.listAwaitingInput({})).toEqual(seen);
        expect(await store.listAwaitingInput({})).toEqual(seen);
      });
    });
  });
}
