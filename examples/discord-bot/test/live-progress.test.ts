import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSessionManager } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { expect, it } from "vitest";
// @ts-expect-error plain .mjs example without type declarations
import { postLiveProgress } from "../live-progress.mjs";

it("posts live progress of a session another process runs, ending at its terminal status", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bot-live-"));
  const store = createFsStore({ dir });
  const sessions = createSessionManager({ store });
  try {
    const session = await sessions.start({ mode: "research", task: "look it up" });
    const posted: string[] = [];
    const done = postLiveProgress({
      store,
      sessionId: session.id,
      post: (line: string) => posted.push(line),
    });
    const runner = fork(fileURLToPath(new URL("./fixtures/live-runner.mjs", import.meta.url)), [
      dir,
      session.id,
    ]);
    const exited = new Promise((resolve) => runner.once("exit", resolve));
    await done;
    expect(await exited).toBe(0);
    expect(posted.filter((line) => line.startsWith("⏳"))).toHaveLength(3);
    expect(posted).toContain("🔧 search");
    expect(posted.at(-1)).toBe("✅ completed: done");
  } finally {
    await sessions.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
