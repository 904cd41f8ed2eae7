import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** Runs ESM `code` in a fresh Node from this package's directory and returns what it printed. */
function fresh(code: string): string {
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    cwd: new URL("..", import.meta.url),
    encoding: "utf8",
  });
  expect(child.stderr).toBe("");
  return child.stdout.trim();
}

const undiciLoaded = `const { createRequire } = await import("node:module");
const cache = createRequire(import.meta.url).cache;
console.log(Object.keys(cache).some((path) => path.includes("/undici/")));`;

describe("import cost", () => {
  it("importing @sessionkit/core does not load undici until a manager sends webhooks", () => {
    expect(fresh(`await import("@sessionkit/core"); ${undiciLoaded}`)).toBe("false");
    expect(
      fresh(`const { createSessionManager, createMemoryStore } = await import("@sessionkit/core");
const manager = createSessionManager({ store: createMemoryStore(), webhooks: [{ url: "http://127.0.0.1:9/hook" }] });
await manager.close();
${undiciLoaded}`),
    ).toBe("true");
  });
});
