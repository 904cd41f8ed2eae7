#!/usr/bin/env node
// Runs every test of the repository and ends with one plain line: "N passed, N failed[, N skipped]".
// Steps: build all packages, typecheck, lint, every vitest project (under a non-UTC time zone, so
// no adapter can depend on the host's zone), then the packed-tarball check. A step that cannot run
// counts as failed, never as passed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const tmp = join(root, ".tmp");
mkdirSync(tmp, { recursive: true });
const pnpm = ["-y", "pnpm@10"];
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

function step(name, command, args, options = {}) {
  console.log(`\n=== ${name}: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: "inherit",
    ...options,
    env: { ...process.env, ...options.env },
  });
  if (result.status === 0) {
    passed += 1;
    return true;
  }
  failed += 1;
  failures.push(`${name} (exit ${result.status ?? result.signal})`);
  return false;
}

function ensurePostgres() {
  const ready = spawnSync("pg_isready", ["-h", "127.0.0.1", "-p", "5432"], { stdio: "ignore" });
  if (ready.error || ready.status === 0) return;
  console.log("PostgreSQL is not answering on 127.0.0.1:5432; trying to start the local cluster.");
  spawnSync("bash", ["-c", "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"], {
    stdio: "inherit",
  });
}

// The inspector's end-to-end tests drive Debian's Chromium (packages/ui); install it when missing.
// Only as root and only with apt-get: the tests never download a browser build of their own.
function ensureChromium() {
  if (existsSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium")) return;
  if (process.getuid?.() !== 0) {
    console.log("Chromium is missing and this is not root: run `apt-get install -y chromium` first.");
    return;
  }
  console.log("Chromium is missing; installing it with apt-get (for the inspector's browser tests).");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update"], { stdio: "inherit", env });
  spawnSync("apt-get", ["install", "-y", "chromium"], { stdio: "inherit", env });
}

const built = step("build", "npx", [...pnpm, "run", "build"]);
if (built) {
  step("typecheck", "npx", [...pnpm, "run", "typecheck"]);
  step("lint", "npx", [...pnpm, "run", "lint"]);
  ensurePostgres();
  ensureChromium();
  const report = join(tmp, "vitest-report.json");
  rmSync(report, { force: true });
  console.log("\n=== vitest: every project");
  const vitest = spawnSync(
    "npx",
    ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
    {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, TZ: process.env.TZ ?? "America/Chicago" },
    },
  );
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, "utf8"));
    for (const file of json.testResults ?? []) {
      for (const test of file.assertionResults ?? []) {
        if (test.status === "passed") passed += 1;
        else if (test.status === "failed") {
          failed += 1;
          failures.push(`${test.ancestorTitles?.join(" > ")} > ${test.title}`);
        } else skipped += 1;
      }
      if (file.status === "failed" && (file.assertionResults ?? []).length === 0) {
        failed += 1;
        failures.push(`${file.name}: ${file.message ?? "failed to load"}`);
      }
    }
    if (vitest.status !== 0 && !failures.length) {
      failed += 1;
      failures.push(`vitest exited ${vitest.status}`);
    }
  } else {
    failed += 1;
    failures.push(`vitest wrote no report (exit ${vitest.status})`);
  }
  if (existsSync(join(root, "scripts/pack-check.mjs")))
    step("packed tarballs", "node", ["scripts/pack-check.mjs", "--skip-build"]);
}

if (failures.length) {
  console.log("\nFailed:");
  for (const failure of failures.slice(0, 50)) console.log(`  - ${failure}`);
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 ? 0 : 1);
