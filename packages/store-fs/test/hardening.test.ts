import { existsSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createFsStore } from "@sessionkit/store-fs";
import { afterEach, describe, expect, it } from "vitest";
import { ageLock, enospc, hookWrites } from "./fs-faults.js";
import { codeOf, tempDir } from "./helpers.js";

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

const open = (dir: string) => createFsStore({ dir, durability: "none", lockStaleMs: 2000 });
const types = (events: Array<{ type: string }> | undefined) => events?.map((event) => event.type);

describe("store-fs: a writer paused past lockStaleMs inside its commit (issue 14 #2, #3)", () => {
  it("paused after its lock check, before its log write: the new owner's commits survive, the late commit is refused and its release leaves the new lock alone", async () => {
    const dir = tempDir();
    const a = open(dir);
    const b = open(dir);
    const { session } = await a.create({ mode: "m", task: "t" });
    const id = session.id;
    a.sync().commit(id, { events: [{ type: "a0" }] });
    let armed = true;
    restore = hookWrites((path, data) => {
      if (!armed || !path.endsWith(join(id, "log.jsonl")) || !data.includes("late")) return;
      armed = false;
      // The holder is "stopped" here: its lock goes stale, another process takes over and commits.
      ageLock(dir, id);
      b.sync().commit(id, { events: [{ type: "b1" }] });
      b.sync().commit(id, { events: [{ type: "b2" }] });
    });
    expect(await codeOf(() => a.sync().commit(id, { events: [{ type: "late" }] }))).toBe(
      "ERR_LOCK_COMPROMISED",
    );
    expect(armed).toBe(false);
    restore();
    restore = undefined;
    // b still holds its lease: a's release did not remove b's lock, and b commits on.
    expect(existsSync(join(dir, `${id}.lock`))).toBe(true);
    b.sync().commit(id, { events: [{ type: "b3" }] });
    const reader = open(dir);
    const full = await reader.getWithHistory(id);
    expect(types(full?.history)).toEqual(["a0", "b1", "b2", "b3"]);
    expect(full?.version).toBe(5);
    expect((await reader.list()).items.map((item) => item.version)).toEqual([5]);
    for (const store of [a, b, reader]) await store.close();
  });

  it("paused between its log write and its index summary: the newer summary wins in list, after reopen and after compaction", async () => {
    const dir = tempDir();
    let armed = false;
    let id = "";
    // Installed first: the journal descriptor is opened once, at the handle's first append.
    restore = hookWrites((path, data) => {
      if (!armed || !path.endsWith("index.jsonl") || !data.includes('"s":') || !data.includes("paused"))
        return;
      armed = false;
      ageLock(dir, id);
      b.sync().commit(id, { patch: { status: "completed" }, events: [{ type: "done" }] });
    });
    const a = open(dir);
    const b = open(dir);
    id = (await a.create({ mode: "m", task: "t" })).session.id;
    armed = true;
    const late = a.sync().commit(id, { patch: { status: "paused" }, events: [{ type: "pause" }] });
    expect(late.session.version).toBe(2);
    expect(armed).toBe(false);
    restore();
    restore = undefined;
    const expected = [{ version: 3, status: "completed" }];
    const shape = (items: Array<{ version: number; status: string }>) =>
      items.map(({ version, status }) => ({ version, status }));
    expect(shape((await a.list()).items)).toEqual(expected);
    const reopened = open(dir);
    expect(shape((await reopened.list()).items)).toEqual(expected);
    reopened.compactIndex();
    expect(shape((await reopened.list()).items)).toEqual(expected);
    expect(shape((await open(dir).list()).items)).toEqual(expected);
    expect((await reopened.stats()).byStatus).toMatchObject({ completed: 1 });
    for (const store of [a, b, reopened]) await store.close();
  });
});

describe("store-fs: a failure after the commit point (issue 14 #4)", () => {
  it("the index summary append hits ENOSPC (injected into node:fs): the commit succeeds, once, and listings show it", async () => {
    const dir = tempDir();
    let armed = false;
    let faults = 0;
    restore = hookWrites((path, data) => {
      if (armed && path.endsWith("index.jsonl") && data.includes('"s":')) {
        faults += 1;
        throw enospc();
      }
    });
    const store = open(dir);
    const { session } = await store.create({ mode: "m", task: "t" });
    armed = true;
    const result = await store.commit(session.id, { patch: { iterations: 1 }, events: [{ type: "x" }] });
    expect(result.session.version).toBe(2);
    expect(faults).toBe(1);
    restore();
    restore = undefined;
    const full = await store.getWithHistory(session.id);
    expect({ version: full?.version, iterations: full?.iterations, events: full?.history.length }).toEqual({
      version: 2,
      iterations: 1,
      events: 1,
    });
    for (const handle of [store, open(dir)]) {
      expect((await handle.list()).items.map((item) => [item.version, item.iterations])).toEqual([[2, 1]]);
    }
    await store.close();
  });

  it("the log write itself hits ENOSPC: ERR_STORE_IO, and nothing is committed", async () => {
    const dir = tempDir();
    let faults = 0;
    const store = open(dir);
    const { session } = await store.create({ mode: "m", task: "t" });
    restore = hookWrites((path) => {
      if (path.endsWith("log.jsonl")) {
        faults += 1;
        throw enospc();
      }
    });
    expect(await codeOf(store.commit(session.id, { events: [{ type: "x" }] }))).toBe("ERR_STORE_IO");
    expect(faults).toBe(1);
    restore();
    restore = undefined;
    expect((await store.getWithHistory(session.id))?.history).toEqual([]);
    expect((await store.list()).items.map((item) => item.version)).toEqual([1]);
    expect((await store.commit(session.id, { events: [{ type: "y" }] })).session.version).toBe(2);
    await store.close();
  });
});

describe("store-fs: symbolic links planted in the store directory (issue 14 #12)", () => {
  it("a session directory that links out of the store is refused: not read, not written", async () => {
    const outside = tempDir();
    const other = open(outside);
    const { session } = await other.create({ mode: "m", task: "outside" });
    await other.close();
    const logBefore = readFileSync(join(outside, session.id, "log.jsonl"));
    const dir = tempDir();
    const store = open(dir);
    await store.create({ mode: "m", task: "inside" });
    symlinkSync(join(outside, session.id), join(dir, session.id));
    expect(await codeOf(store.get(session.id))).toBe("ERR_CORRUPT_RECORD");
    expect(await codeOf(store.commit(session.id, { events: [{ type: "x" }] }))).toBe("ERR_CORRUPT_RECORD");
    expect(await codeOf(store.create({ id: session.id, mode: "m", task: "t" }))).not.toBe("resolved");
    expect(readFileSync(join(outside, session.id, "log.jsonl"))).toEqual(logBefore);
    const page = await store.list();
    expect(page.items.map((item) => item.task)).toEqual(["inside"]);
    expect(page.corrupt.map((report) => report.id)).toEqual([session.id]);
    await store.close();
  });

  it("session.json or log.jsonl linked to a file outside: refused, and nothing of that file is quoted", async () => {
    const outside = tempDir();
    const secret = join(outside, "passwd");
    writeFileSync(secret, "root:x:0:0:root:/root:/bin/bash\n");
    const dir = tempDir();
    const store = open(dir);
    const { session } = await store.create({ mode: "m", task: "t" });
    const record = join(dir, session.id, "session.json");
    unlinkSync(record);
    symlinkSync(secret, record);
    const error = (await store.get(session.id).catch((caught: unknown) => caught)) as Error & {
      code: string;
    };
    expect(error.code).toBe("ERR_CORRUPT_RECORD");
    expect(error.message).not.toContain("root:");
    expect(JSON.stringify(error)).not.toContain("root:");
    const { session: second } = await store.create({ mode: "m", task: "t2" });
    const log = join(dir, second.id, "log.jsonl");
    unlinkSync(log);
    symlinkSync(secret, log);
    const failure = await codeOf(store.commit(second.id, { events: [{ type: "x" }] }));
    expect(failure).toBe("ERR_CORRUPT_RECORD");
    expect(readFileSync(secret, "utf8")).toBe("root:x:0:0:root:/root:/bin/bash\n");
    await store.close();
  });
});
