import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WatchItem } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { afterEach, describe, expect, it } from "vitest";
import { take } from "../../core/test/watch-take.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sk-fs-watch-"));
  dirs.push(dir);
  return dir;
}

describe("store-fs watch", () => {
  it("with SESSIONKIT_FS_WATCH=poll (no fs.watch) a watcher on another handle still gets every commit", async () => {
    const dir = tempDir();
    const writer = createFsStore({ dir, durability: "none" });
    const reader = createFsStore({ dir, durability: "none" });
    process.env.SESSIONKIT_FS_WATCH = "poll";
    try {
      const { session } = await writer.create({ mode: "m", task: "t" });
      const got = take(reader.watch(session.id, { since: 0 }), 20);
      for (let k = 0; k < 20; k++) await writer.commit(session.id, { events: [{ type: "e", data: { k } }] });
      expect((await got).map((item) => item.event?.seq)).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
    } finally {
      delete process.env.SESSIONKIT_FS_WATCH;
      await writer.close();
      await reader.close();
    }
  });

  it("a store written before the change log existed gives each session one created change on first open", async () => {
    const dir = tempDir();
    const old = createFsStore({ dir, durability: "none" });
    const { session } = await old.create(
      { mode: "m", task: "t", userId: "u1" },
      { events: [{ type: "start" }] },
    );
    await old.close();
    rmSync(join(dir, ".sessionkit", "changes.jsonl"));
    const store = createFsStore({ dir, durability: "none" });
    const items = await take(store.watch({ userId: "u1" }, { since: "start" }), 1);
    expect(items.map((item) => [item.sessionId, item.change.kind, item.event?.type])).toEqual([
      [session.id, "created", "start"],
    ]);
    await store.close();
  });
});
