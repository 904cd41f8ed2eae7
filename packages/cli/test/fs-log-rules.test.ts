// verify and repair read store-fs's files by the store's own rules (store-fs README, "How a commit
// works"): a killed writer's fragment ended by the next writer's newline and a late duplicate version
// are passed over, not corruption; a lock is judged by its `<token>.owner` file, not its directory.
import { appendFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createFsStore } from "@sessionkit/store-fs";
import { describe, expect, it } from "vitest";
import { makeSession, runCli, seed, tempDir } from "./helpers.js";

async function findings(dir: string): Promise<{ code: number | null; lines: string[] }> {
  const run = await runCli(["--store", `fs:${dir}`, "--jsonl", "verify", "--deep"]);
  expect(run.stderr).toBe("");
  const lines = run.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const finding = JSON.parse(line) as { kind: string; id: string | null };
      return `${finding.kind} ${finding.id}`;
    });
  return { code: run.code, lines };
}

/** The store reads the session exactly as before verify and repair ran. */
async function expectKept(dir: string, id: string, expected: unknown): Promise<void> {
  const reopened = createFsStore({ dir });
  try {
    expect(await reopened.getWithHistory(id)).toEqual(expected);
  } finally {
    await reopened.close();
  }
}

const old = (path: string) => {
  const time = new Date(Date.now() - 60_000);
  utimesSync(path, time, time);
};

describe("fs verify follows store-fs's log rules", () => {
  it("a fragment ended by the next commit and a late duplicate version are passed over: clean, repair touches nothing", async () => {
    const dir = join(tempDir(), "sessions");
    const store = createFsStore({ dir });
    await seed(store, 1, 3);
    const id = makeSession(0, 0).session.id;
    const log = join(dir, id, "log.jsonl");
    // A writer killed mid-append: the next commit ends the fragment with its own newline.
    appendFileSync(log, '{"v":99,"set":{');
    await store.commit(id, { events: [{ type: "after-fragment" }] });
    // A writer paused past the stale time appends a version its successor already committed.
    const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
    const last = JSON.parse(lines[lines.length - 1] as string) as { v: number; ev: Array<{ seq: number }> };
    appendFileSync(log, `${JSON.stringify({ ...last, ev: last.ev.map((e) => ({ ...e, type: "late" })) })}\n`);
    await store.commit(id, { events: [{ type: "after-late" }] });
    appendFileSync(log, "\n");
    const expected = await store.getWithHistory(id);
    await store.close();
    expect(expected?.history.map((event) => event.type)).not.toContain("late");

    const before = readFileSync(log, "utf8");
    expect(await findings(dir)).toEqual({ code: 0, lines: [] });
    const repair = await runCli(["--store", `fs:${dir}`, "--json", "repair"]);
    expect(repair.code).toBe(0);
    expect(readFileSync(log, "utf8")).toBe(before);
    await expectKept(dir, id, expected);
  });

  it("bad bytes after the last accepted line are still the torn tail repair cuts", async () => {
    const dir = join(tempDir(), "sessions");
    const store = createFsStore({ dir });
    await seed(store, 1, 3);
    const id = makeSession(0, 0).session.id;
    const expected = await store.getWithHistory(id);
    await store.close();
    const log = join(dir, id, "log.jsonl");
    const committed = readFileSync(log, "utf8");
    appendFileSync(log, 'not json\n{"v":99,"set":{');
    expect(await findings(dir)).toEqual({ code: 3, lines: [`torn-tail ${id}`] });
    expect((await runCli(["--store", `fs:${dir}`, "repair"])).code).toBe(0);
    expect(readFileSync(log, "utf8")).toBe(committed);
    await expectKept(dir, id, expected);
  });

  it("a lock is stale by its owner file's mtime: a fresh owner is live, an old one is removed", async () => {
    const dir = join(tempDir(), "sessions");
    const store = createFsStore({ dir });
    await seed(store, 2, 2);
    await store.close();
    const [liveId, staleId] = [0, 1].map((k) => makeSession(k, 0).session.id) as [string, string];
    // Held: the owner file is renewed; the directory's mtime alone says nothing.
    const live = join(dir, `${liveId}.lock`);
    mkdirSync(live);
    writeFileSync(join(live, "host.1.live.owner"), "");
    old(live);
    // Gone: its owner file is old, though a waiter's marker just touched the directory.
    const stale = join(dir, `${staleId}.lock`);
    mkdirSync(stale);
    writeFileSync(join(stale, "host.2.gone.owner"), "");
    old(join(stale, "host.2.gone.owner"));
    writeFileSync(join(stale, "waiting"), "");

    expect(await findings(dir)).toEqual({ code: 3, lines: [`stale-lock ${staleId}`] });
    expect((await runCli(["--store", `fs:${dir}`, "repair"])).code).toBe(0);
    expect(readFileSync(join(live, "host.1.live.owner"), "utf8")).toBe("");
    expect(() => readFileSync(join(stale, "waiting"))).toThrow();
    const reopened = createFsStore({ dir, lockTimeoutMs: 2_000 });
    try {
      await reopened.commit(staleId, { events: [{ type: "after-repair" }] });
      expect((await reopened.get(staleId))?.eventCount).toBe(3);
    } finally {
      await reopened.close();
    }
  });
});
