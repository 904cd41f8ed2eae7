import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// zod is loaded on the first write (core's zod-lazy.ts). Each case is a fresh process, so "first"
// really is first: a write before any read, a read before any write, the sync face with no await.
// The embedded stores only: they are the ones with a sync face and no server to reach.
const stores = [
  {
    name: "store-fs",
    open: `const { createFsStore } = await import("@sessionkit/store-fs"); const open = () => createFsStore({ dir: process.env.TARGET, durability: "none" });`,
  },
  {
    name: "store-sqlite",
    open: `const { createSqliteStore } = await import("@sessionkit/store-sqlite"); const open = () => createSqliteStore({ filename: process.env.TARGET });`,
  },
];

const temp = mkdtempSync(join(tmpdir(), "sessionkit-lazy-zod-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe.each(stores)("$name: zod loaded on first use", ({ name, open }) => {
  function fresh(target: string, code: string): string {
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", `${open}\n${code}`], {
      cwd: new URL(".", import.meta.url),
      encoding: "utf8",
      env: { ...process.env, TARGET: target },
    });
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    return child.stdout.trim();
  }

  it("the sync face's first call is a validated write, with no await; a bad one is ERR_INVALID_INPUT", () => {
    const target = join(temp, `${name}-sync-first`);
    const out = fresh(
      target,
      `const sync = open().sync();
const { session } = sync.create({ mode: "m", task: "t" }, { events: [{ type: "a" }] });
let refused = "accepted";
try { sync.commit(session.id, { events: [{ type: "" }] }); } catch (error) { refused = error.code; }
sync.commit(session.id, { events: [{ type: "b", data: { n: 1 } }] });
console.log(sync.readEvents(session.id).map((e) => e.type).join(","), refused);`,
    );
    expect(out).toBe("a,b ERR_INVALID_INPUT");
  });

  it("a read before any write, then a write, in one process; and a write before any read", () => {
    const target = join(temp, `${name}-read-first`);
    const id = fresh(
      target,
      `const { session } = await open().create({ mode: "m", task: "t" }); console.log(session.id);`,
    );
    const out = fresh(
      target,
      `const store = open();
const before = await store.get("${id}");
const listed = (await store.list({})).items.length;
const { session } = await store.commit("${id}", { expectedVersion: before.version, events: [{ type: "x" }] });
console.log(listed, before.version, session.version, (await store.readEvents("${id}")).length);
await store.close();`,
    );
    expect(out).toBe("1 1 2 1");
  });
});
