import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { WatchItem } from "@sessionkit/core";
import { createFsStore, type FsSessionStore } from "@sessionkit/store-fs";
import { describe, expect, it } from "vitest";
import { startWorker, tempDir } from "./helpers.js";

/** The fault hook of src/fault-hook.ts: the child SIGKILLs itself after the commit point, before the change line. */
const killBefore = (kind: string) => ({ SESSIONKIT_FS_FAULT: `kill-before-change:${kind}` });

/**
 * Everything the store-wide feed holds, read from the start up to a sentinel session created last
 * (so the read ends without a quiet-time guess), as "id kind version" and the events' seqs.
 */
async function feedOf(store: FsSessionStore): Promise<{ changes: string[]; seqs: Map<string, number[]> }> {
  const { session: sentinel } = await store.create({ mode: "sentinel", task: "end" });
  const changes: string[] = [];
  const seqs = new Map<string, number[]>();
  let previous: WatchItem["change"] | undefined;
  let previousId = "";
  for await (const item of store.watch({}, { since: "start" })) {
    if (item.sessionId === sentinel.id) break;
    // One line per change: a change that appended events yields one item per event.
    if (item.change !== previous || item.sessionId !== previousId)
      changes.push(`${item.sessionId} ${item.change.kind} ${item.change.version}`);
    previous = item.change;
    previousId = item.sessionId;
    if (item.event) seqs.set(item.sessionId, [...(seqs.get(item.sessionId) ?? []), item.event.seq]);
  }
  return { changes, seqs };
}

/** The change log's lines as "id kind version", read from the file. */
function loggedChanges(dir: string): string[] {
  const text = readFileSync(join(dir, ".sessionkit", "changes.jsonl"), "utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { sessionId: string; kind: string; version: number })
    .map((change) => `${change.sessionId} ${change.kind} ${change.version}`);
}

/** Runs one scripted step in a child whose fault hook kills it before that step's change line. */
async function killedStep(dir: string, step: Record<string, unknown>, kind: string): Promise<void> {
  const child = startWorker({ mode: "script", dir }, killBefore(kind));
  await child.waitFor("ready");
  child.child.stdin?.write(`${JSON.stringify(step)}\n`);
  await child.exited;
  expect(child.child.signalCode).toBe("SIGKILL");
}

describe("store-fs: a writer SIGKILLed between its commit point and its change line", () => {
  it("the next writer of that session repairs the feed: the commit is seen exactly once, before the next one", async () => {
    const dir = tempDir();
    const store = createFsStore({ dir, durability: "none" });
    const { session } = await store.create({ mode: "m", task: "t" });
    await killedStep(dir, { op: "commit", id: session.id, n: 1 }, "committed");
    expect(existsSync(join(dir, `${session.id}.lock`))).toBe(true);
    // The commit is in the session (it passed its commit point), and the next writer repairs its change.
    expect((await store.get(session.id))?.version).toBe(2);
    await store.commit(session.id, { events: [{ type: "after" }] });
    const { changes, seqs } = await feedOf(store);
    expect(changes).toEqual([
      `${session.id} created 1`,
      `${session.id} committed 2`,
      `${session.id} committed 3`,
    ]);
    expect(seqs.get(session.id)).toEqual([1, 2]);
    await store.close();
  });

  it("a store opened afterwards repairs it when nobody writes that session again, and only once", async () => {
    const dir = tempDir();
    const first = createFsStore({ dir, durability: "none" });
    const { session } = await first.create({ mode: "m", task: "t" });
    await first.close();
    await killedStep(dir, { op: "commit", id: session.id, n: 1 }, "committed");
    for (let open = 0; open < 3; open++) {
      const store = createFsStore({ dir, durability: "none" });
      const { changes, seqs } = await feedOf(store);
      expect(changes.filter((line) => line.startsWith(session.id))).toEqual([
        `${session.id} created 1`,
        `${session.id} committed 2`,
      ]);
      expect(seqs.get(session.id)).toEqual([1]);
      await store.close();
    }
  });

  it("a create and a delete killed before their change lines are seen exactly once too", async () => {
    const dir = tempDir();
    const store = createFsStore({ dir, durability: "none" });
    const id = "session_killedcreate000000000a";
    await killedStep(dir, { op: "create", id }, "created");
    expect((await store.get(id))?.version).toBe(1);
    await store.commit(id, { events: [{ type: "after" }] });
    await killedStep(dir, { op: "delete", id }, "deleted");
    expect(await store.get(id)).toBeNull();
    const reopened = createFsStore({ dir, durability: "none" });
    // The log holds each change once; a watcher skips the events of a session deleted since.
    expect(loggedChanges(dir).filter((line) => line.startsWith(id))).toEqual([
      `${id} created 1`,
      `${id} committed 2`,
      `${id} deleted 2`,
    ]);
    const { changes } = await feedOf(reopened);
    expect(changes.filter((line) => line.startsWith(id))).toEqual([`${id} created 1`, `${id} deleted 2`]);
    await reopened.close();
    await store.close();
  });

  it("4 processes racing for the dead holder's lock: the repair runs once, every version is in the log once, in order (5 rounds)", async () => {
    const dir = tempDir();
    const store = createFsStore({ dir, durability: "none" });
    for (let round = 0; round < 5; round++) {
      const { session } = await store.create({ mode: "m", task: `race ${round}` });
      await killedStep(dir, { op: "commit", id: session.id, n: 1 }, "committed");
      const workers = [0, 1, 2, 3].map((worker) =>
        startWorker({ mode: "append", dir, id: session.id, worker, count: 10 }),
      );
      await Promise.all(workers.map((worker) => worker.waitFor("ready")));
      for (const worker of workers) worker.child.stdin?.end("go\n");
      expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual([0, 0, 0, 0]);
      expect((await store.get(session.id))?.version).toBe(42);
      const versions = loggedChanges(dir)
        .filter((line) => line.startsWith(`${session.id} `))
        .map((line) => Number(line.split(" ")[2]));
      expect(versions).toEqual(Array.from({ length: 42 }, (_, k) => k + 1));
    }
    await store.close();
  }, 120_000);
});
