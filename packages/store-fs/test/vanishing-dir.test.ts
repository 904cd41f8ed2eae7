import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createFsStore } from "@sessionkit/store-fs";
import { describe, expect, it } from "vitest";
import { codeOf, startWorker, tempDir } from "./helpers.js";

describe("store-fs: a store whose directory vanishes keeps working", () => {
  it("the whole root removed while open: reads see no sessions, the next write recreates root, index journal and lock", async () => {
    const dir = join(tempDir(), "sessions");
    const store = createFsStore({ dir, durability: "none" });
    const { session: a } = await store.create({ mode: "m", task: "a" });
    await store.commit(a.id, { events: [{ type: "x" }] });
    rmSync(dir, { recursive: true, force: true });

    expect(await store.get(a.id)).toBeNull();
    expect((await store.list()).items).toEqual([]);
    expect(await store.count()).toBe(0);
    expect(await codeOf(store.commit(a.id, { events: [{ type: "x" }] }))).toBe("ERR_SESSION_NOT_FOUND");

    const { session: b } = await store.create({ mode: "m", task: "b" });
    await store.commit(b.id, { events: [{ type: "y" }] });
    expect(existsSync(join(dir, b.id, "session.json"))).toBe(true);
    expect(existsSync(join(dir, ".sessionkit", "index.jsonl"))).toBe(true);
    expect(existsSync(join(dir, `${b.id}.lock`))).toBe(false);
    expect((await store.list()).items.map((item) => [item.id, item.version])).toEqual([[b.id, 2]]);
    expect((await store.stats()).total).toBe(1);

    // The same again on the sync face, and a fresh handle agrees.
    rmSync(dir, { recursive: true, force: true });
    const face = store.sync();
    const c = face.create({ mode: "m", task: "c" }).session;
    face.commit(c.id, { events: [{ type: "z" }] });
    expect(face.list().items.map((item) => item.id)).toEqual([c.id]);
    const fresh = createFsStore({ dir });
    expect((await fresh.getWithHistory(c.id))?.history.map((event) => event.type)).toEqual(["z"]);
    expect(await fresh.count()).toBe(1);
    await fresh.close();
    await store.close();
  });

  it("one session's folder removed while open: it reads as absent, the others are intact, its id can be created again", async () => {
    const dir = tempDir();
    const store = createFsStore({ dir, durability: "none" });
    const { session: a } = await store.create({ id: "session_gone", mode: "m", task: "a" });
    const { session: b } = await store.create({ mode: "m", task: "b" });
    await store.commit(b.id, { events: [{ type: "x" }] });
    rmSync(join(dir, a.id), { recursive: true, force: true });

    expect(await store.get(a.id)).toBeNull();
    expect(await codeOf(store.commit(a.id, { events: [{ type: "x" }] }))).toBe("ERR_SESSION_NOT_FOUND");
    expect((await store.list()).items.map((item) => item.id)).toEqual([b.id]);
    const again = await store.create({ id: "session_gone", mode: "m", task: "again" });
    expect(again.session.version).toBe(1);
    expect((await store.get("session_gone"))?.task).toBe("again");
    expect(await store.count()).toBe(2);
    await store.close();
  });

  it("the root removed between two writes of another process: its next write recreates it and this process sees it", async () => {
    const dir = join(tempDir(), "sessions");
    const worker = startWorker({ mode: "script", dir });
    await worker.waitFor("ready");
    let answered = 0;
    const send = async (step: Record<string, unknown>) => {
      worker.child.stdin?.write(`${JSON.stringify(step)}\n`);
      answered += 1;
      await expect.poll(() => worker.lines.length, { timeout: 10_000 }).toBe(answered + 1);
      return worker.lines[answered] as string;
    };
    expect(await send({ op: "create", id: "session_first" })).toMatch(/^ok /);
    expect(await send({ op: "commit", id: "session_first" })).toMatch(/^ok /);
    rmSync(dir, { recursive: true, force: true });

    expect(await send({ op: "commit", id: "session_first" })).toBe("err ERR_SESSION_NOT_FOUND");
    expect(await send({ op: "create", id: "session_second" })).toMatch(/^ok /);
    expect(await send({ op: "commit", id: "session_second", n: 1 })).toMatch(/^ok /);
    expect(await send({ op: "list" })).toBe(`ok ${JSON.stringify(["session_second"])}`);

    const store = createFsStore({ dir });
    const full = await store.getWithHistory("session_second");
    expect(full?.version).toBe(2);
    expect(full?.history.map((event) => event.data)).toEqual([{ n: 1 }]);
    expect((await store.list()).items.map((item) => item.id)).toEqual(["session_second"]);
    await store.close();
    worker.child.stdin?.end(`${JSON.stringify({ op: "exit" })}\n`);
    expect(await worker.exited).toBe(0);
  });
});
