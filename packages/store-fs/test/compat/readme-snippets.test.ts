import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// The README's snippets live as `.ts.snippet` files (kept out of the repo's strict typecheck:
// the seed README's code relies on `catch (error) { error.message }` and non-null contexts).
// They are copied into the package's .tmp/ as .ts, typechecked and compiled with tsc, then run
// by a child process against a real sessions directory.
const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, "..", "..");
const work = join(packageRoot, ".tmp", `readme-snippets-${process.pid}`);
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

function stage(): void {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, "support"), { recursive: true });
  const source = join(here, "readme-snippets");
  for (const file of readdirSync(source)) {
    if (file.endsWith(".snippet")) cpSync(join(source, file), join(work, file.replace(/\.snippet$/, "")));
  }
  cpSync(join(source, "support", "agents.ts.snippet"), join(work, "support", "agents.ts"));
  cpSync(join(source, "run.mjs"), join(work, "run.mjs"));
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the seed README's snippets, with only the import line changed", () => {
  it("typecheck and compile against @sessionkit/store-fs/compat", () => {
    stage();
    const result = spawnSync(process.execPath, [tsc, "-p", join(work, "tsconfig.json")], {
      encoding: "utf8",
    });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("run against a sessions directory and do what the README says", () => {
    const dir = join(work, "sessions");
    const output = execFileSync(process.execPath, [join(work, "run.mjs"), dir, join(work, "out")], {
      encoding: "utf8",
      cwd: work,
    });
    const outcomes = output
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { name: string; ok: boolean; error?: string });
    expect(outcomes.map((outcome) => outcome.name)).toHaveLength(14);
    for (const outcome of outcomes) expect(outcome, outcome.error).toMatchObject({ ok: true });
  });
});
