import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { lazy } from "../src/zod-lazy.js";

/** Runs ESM `code` in a fresh Node from this package's directory (built dist); returns its stdout. */
function fresh(code: string, flags: string[] = []): string {
  const child = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", code], {
    cwd: new URL("..", import.meta.url),
    encoding: "utf8",
  });
  expect(child.stderr).toBe("");
  expect(child.status).toBe(0);
  return child.stdout.trim();
}

// Which copies of zod the process holds: its CommonJS build shows in require's cache, its ES module
// build does not (so an ESM-only process reports none).
const copies = `const { createRequire } = await import("node:module");
const cjs = Object.keys(createRequire(import.meta.url).cache).filter((path) => /[\\\\/]zod[\\\\/].*\\.cjs$/.test(path));
console.log(cjs.length === 0 ? "no-cjs-zod" : "cjs-zod");`;

const write = `const { createMemoryStore } = await import("@sessionkit/core");
const store = createMemoryStore();
const { session } = await store.create({ mode: "m", task: "t" });
await store.commit(session.id, { events: [{ type: "note", data: { n: 1 } }] });
console.log((await store.readEvents(session.id)).length);`;

describe("zod, loaded on first write", () => {
  it("an application that imports zod itself shares its copy with core: one zod in the process, not two", () => {
    const out = fresh(`const { z } = await import("zod");
z.object({ a: z.string() }).parse({ a: "app" });
${write}
${copies}`);
    expect(out.split("\n")).toEqual(["1", "no-cjs-zod"]);
  });

  it("where require(esm) is off, core falls back to zod's CommonJS build and writes work the same", () => {
    const out = fresh(`${write}\n${copies}`, ["--no-experimental-require-module"]);
    expect(out.split("\n")).toEqual(["1", "cjs-zod"]);
  });

  it("the sync face's first call validates with no await (zod loaded synchronously inside it)", () => {
    const out = fresh(`const { createMemoryStore } = await import("@sessionkit/core");
const sync = createMemoryStore().sync();
const { session } = sync.create({ mode: "m", task: "t" }, { events: [{ type: "a" }] });
let refused = "accepted";
try { sync.commit(session.id, { events: [{ type: "" }] }); } catch (error) { refused = error.code; }
console.log(sync.readEvents(session.id).length, refused);`);
    expect(out).toBe("1 ERR_INVALID_INPUT");
  });
});

describe("lazy()", () => {
  it("a build that throws reaches the caller as thrown, is not remembered, and the next call builds again", () => {
    let calls = 0;
    const failure = new Error("schema build failed");
    const get = lazy(() => {
      calls += 1;
      if (calls === 1) throw failure;
      return { built: calls };
    });
    expect(() => get()).toThrow(failure);
    expect(get()).toEqual({ built: 2 });
    expect(get()).toBe(get());
    expect(calls).toBe(2);
  });
});
