import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SessionStore } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSession, runCli, seed, skipPg, tempDir } from "./helpers.js";
import { STORE_KINDS } from "./stores.js";

const COUNT = 40;

for (const kind of STORE_KINDS) {
  describe.skipIf(kind.name === "postgres" && skipPg)(`read verbs on ${kind.name}`, () => {
    const target = kind.fresh();
    let store: SessionStore;
    beforeAll(async () => {
      store = await target.open();
      await seed(store, COUNT, 6);
    });
    afterAll(() => store.close());

    it("list pages newest first and the cursor continues without skipping or repeating", async () => {
      const first = await runCli(["--store", target.url, "--json", "list", "--limit", "15"]);
      expect(first.code).toBe(0);
      const page1 = JSON.parse(first.stdout) as { items: Array<{ id: string }>; nextCursor: string };
      expect(page1.items.map((item) => item.id)).toEqual(
        Array.from({ length: 15 }, (_, k) => makeSession(COUNT - 1 - k, 0).session.id),
      );
      const ids = page1.items.map((item) => item.id);
      let cursor: string | null = page1.nextCursor;
      while (cursor) {
        const next = await runCli([
          "--store",
          target.url,
          "--json",
          "list",
          "--limit",
          "15",
          "--cursor",
          cursor,
        ]);
        const page = JSON.parse(next.stdout) as { items: Array<{ id: string }>; nextCursor: string | null };
        ids.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      }
      expect(ids).toEqual(Array.from({ length: COUNT }, (_, k) => makeSession(COUNT - 1 - k, 0).session.id));
    });

    it("list applies every filter of the query API, as the store itself answers", async () => {
      const run = await runCli([
        "--store",
        target.url,
        "--jsonl",
        "list",
        "--all",
        "--status",
        "active,completed",
        "--mode",
        "openhands",
        "--user",
        "user0",
        "--meta",
        "model=gpt-5",
        "--meta",
        "tier:=0",
        "--created-after",
        "2026-10-01T00:05:00.000Z",
      ]);
      expect(run.code).toBe(0);
      const got = run.stdout
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { id: string }).id);
      const want = await store.list({
        status: ["active", "completed"],
        mode: "openhands",
        userId: "user0",
        metadata: { model: "gpt-5", tier: 0 },
        createdAfter: "2026-10-01T00:05:00.000Z",
        limit: 1000,
      });
      expect(got).toEqual(want.items.map((item) => item.id));
      expect(got.length).toBeGreaterThan(0);
    });

    it("list prints a table by default with the ids", async () => {
      const run = await runCli(["--store", target.url, "list", "--limit", "3", "--channel", "chan1"]);
      expect(run.code).toBe(0);
      const want = await store.list({ channelId: "chan1", limit: 3 });
      for (const item of want.items) expect(run.stdout).toContain(item.id);
      expect(run.stdout).toContain("status");
      expect(run.stderr).toContain("--cursor");
    });

    it("show prints the state and the last events; --since and --events choose them", async () => {
      const { session } = makeSession(7, 6);
      const table = await runCli(["--store", target.url, "show", session.id, "--last", "2"]);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(session.task);
      expect(table.stdout).toContain("iteration");
      expect(table.stdout).not.toContain("tool_call");
      const since = JSON.parse(
        (await runCli(["--store", target.url, "--json", "show", session.id, "--since", "3"])).stdout,
      );
      expect(since.session).toEqual(await store.get(session.id));
      expect(since.events.map((event: { seq: number }) => event.seq)).toEqual([4, 5, 6]);
      const all = JSON.parse(
        (await runCli(["--store", target.url, "--json", "show", session.id, "--events"])).stdout,
      );
      expect(all.events).toEqual(await store.readEvents(session.id));
    });

    it("show of an unknown id exits 1 with the code on one line", async () => {
      const run = await runCli(["--store", target.url, "show", "session_nope"]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(/^error ERR_SESSION_NOT_FOUND: /);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });

    it("stats matches the store's statistics, by status, mode and day", async () => {
      const run = await runCli([
        "--store",
        target.url,
        "--json",
        "stats",
        "--by",
        "status,mode,day",
        "--mode",
        "claude",
      ]);
      expect(run.code).toBe(0);
      const got = JSON.parse(run.stdout);
      const want = await store.stats({ mode: "claude" });
      expect({ ...got, byDay: undefined }).toEqual({ ...want, byDay: undefined });
      const days = Object.values(got.byDay as Record<string, { total: number }>).reduce(
        (sum, day) => sum + day.total,
        0,
      );
      expect(days).toBe(want.total);
      const table = await runCli(["--store", target.url, "stats", "--by", "mode"]);
      expect(table.stdout).toContain("openhands");
    });

    it("tail prints the last events; -f without a change feed says so and exits 1", async () => {
      const { session } = makeSession(3, 6);
      const run = await runCli(["--store", target.url, "--jsonl", "tail", session.id, "-n", "2"]);
      expect(run.code).toBe(0);
      expect(
        run.stdout
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line).seq),
      ).toEqual([5, 6]);
      const all = await runCli(["--store", target.url, "--jsonl", "tail", "--all", "-n", "4"]);
      expect(all.stdout.trim().split("\n")).toHaveLength(4);
      // A store with a change feed is followed by tail-follow.test.ts (here -f would run until killed).
      if (store.capabilities.watch !== true) {
        const follow = await runCli(["--store", target.url, "tail", session.id, "-f"]);
        expect(follow.code).toBe(1);
        expect(follow.stderr).toMatch(/ERR_UNSUPPORTED_CAPABILITY.*change feed/);
      }
    });
  });
}

describe("usage and errors", () => {
  it("--help of every verb shows an example and exits 0", async () => {
    for (const verb of [
      "list",
      "show",
      "tail",
      "stats",
      "prune",
      "export",
      "import",
      "migrate",
      "verify",
      "repair",
      "ui",
    ]) {
      const run = await runCli([verb, "--help"]);
      expect(run.code, verb).toBe(0);
      expect(run.stdout, verb).toMatch(new RegExp(`\\nExamples:\\n  sessionkit .*${verb}`));
    }
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("Usage: sessionkit");
  });

  it("a store package that is not installed is ERR_MISSING_DEPENDENCY naming it, on one line (exit 1)", async () => {
    const run = await runCli(["--adapter", "@sessionkit/no-such-store", "list"]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(
      /^error ERR_MISSING_DEPENDENCY: .*"@sessionkit\/no-such-store".*npm install/,
    );
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("redis:// opens @sessionkit/store-redis (the optional peer) and reads through it", async () => {
    const run = await runCli(["--store", "redis://127.0.0.1:6379/13", "--json", "stats"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(typeof JSON.parse(run.stdout).total).toBe("number");
  });

  it("--adapter: a module without a factory is a usage error; SESSIONKIT_STORE picks the store", async () => {
    const dir = tempDir();
    const bad = join(dir, "not-a-store.mjs");
    writeFileSync(bad, "export const x = 1;\n");
    const run = await runCli(["--adapter", bad, "list"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error ERR_INVALID_INPUT: .*createStore\(\{ url \}\)/);
    const store = join(dir, "sessions");
    const fsStore = createFsStore({ dir: store });
    await seed(fsStore, 3, 1);
    await fsStore.close();
    const listed = await runCli(["--jsonl", "list"], { env: { SESSIONKIT_STORE: `fs:${store}` } });
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split("\n")).toHaveLength(3);
  });

  it("an unknown option or a bad value exits 2 with one line", async () => {
    expect((await runCli(["list", "--bogus"])).code).toBe(2);
    const bad = await runCli(["--store", "fs:/nonexistent-sk-dir", "list", "--status", "sleeping"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("ERR_INVALID_INPUT");
    expect((await runCli(["--store", "redis2://x", "list"])).code).toBe(2);
  });

  it("a missing store directory is a usage error naming --store, and nothing is created", async () => {
    const run = await runCli(["list"], {
      cwd: "/tmp",
      env: { SESSIONKIT_STORE: "fs:./definitely-not-here-sk" },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--store");
  });
});
