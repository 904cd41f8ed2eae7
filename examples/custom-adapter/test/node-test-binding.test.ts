import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("the node:test binding runs the suite green under `node --test`", () => {
  const cwd = fileURLToPath(new URL("..", import.meta.url));
  const run = spawnSync(process.execPath, ["--test", "--test-reporter=tap", "test/node-conformance.mjs"], {
    cwd,
    encoding: "utf8",
    timeout: 170_000,
  });
  const out = `${run.stdout}\n${run.stderr}`;
  expect(out).toMatch(/@sessionkit\/conformance on store-json-file: \d+ cases/);
  expect(out).toMatch(/# fail 0/);
  expect(Number(/# pass (\d+)/.exec(out)?.[1])).toBeGreaterThan(80);
  expect(out).toMatch(/# SKIP/);
  expect(run.status, out.slice(-3000)).toBe(0);
});
