#!/usr/bin/env node
// Packed, not just built: packs every public package with pnpm, lints each tarball with publint
// and attw, installs the tarballs into a temporary project outside the workspace, and runs from
// there (a) the multi-step demo and a drop-in (compat) smoke test and (b) the conformance suite
// (node:test binding) against the memory store and the fs store. Exits non-zero on any failure.
//
//   node scripts/pack-check.mjs [--skip-build] [--with-sqlite] [--keep]
//
// --skip-build   the packages are already built (CI builds first)
// --with-sqlite  also install @sessionkit/store-sqlite (compiles better-sqlite3 when no prebuilt
//                binary is available, ~50 s) and import it; by default it is only packed and linted
// --keep         keep the temporary directory and print its path
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const withSqlite = args.has("--with-sqlite");
const started = Date.now();
const results = [];
const work = mkdtempSync(join(tmpdir(), "sessionkit-pack-check-"));
const tarballs = join(work, "tarballs");
const project = join(work, "project");
mkdirSync(tarballs);
mkdirSync(project);

const bin = (name) => join(root, "node_modules", ".bin", name);
const pnpm = ["npx", ["-y", "pnpm@10"]];

/** Runs a command; records and prints the outcome; returns {ok, output}. */
function step(name, command, commandArgs, options = {}) {
  const t0 = Date.now();
  const child = spawnSync(command, commandArgs, {
    cwd: options.cwd ?? root,
    encoding: "utf8",
    env: { ...process.env, ...options.env, npm_config_update_notifier: "false" },
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 300_000,
  });
  const output = `${child.stdout ?? ""}${child.stderr ?? ""}`;
  let ok = child.status === 0;
  let why = ok ? "" : child.error ? child.error.message : `exit ${child.status}`;
  if (ok && options.expect && !options.expect.test(output)) {
    ok = false;
    why = `output does not match ${options.expect}`;
  }
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  results.push({ name, ok, why, seconds });
  console.log(`${ok ? "ok  " : "FAIL"} ${name} (${seconds}s)${ok ? "" : ` — ${why}`}`);
  if (!ok || process.env.PACK_CHECK_VERBOSE) console.log(output.replace(/^/gm, "     | ").trimEnd());
  return { ok, output };
}

function publicPackages() {
  const dirs = [
    ...readdirSync(join(root, "packages")).map((name) => join(root, "packages", name)),
    join(root, "adapters-conformance"),
  ];
  return dirs
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
    .filter(({ manifest }) => manifest.private !== true);
}

function finish() {
  const failed = results.filter((result) => !result.ok);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    `\npack-check: ${results.length - failed.length} passed, ${failed.length} failed in ${seconds}s`,
  );
  for (const result of failed) console.log(`  FAIL ${result.name}: ${result.why}`);
  if (args.has("--keep")) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
  process.exit(failed.length === 0 ? 0 : 1);
}

const packages = publicPackages();
console.log(`pack-check: ${packages.map(({ manifest }) => manifest.name).join(", ")}\n`);

if (!args.has("--skip-build")) {
  const filters = packages.flatMap(({ dir }) => ["--filter", `./${relative(root, dir)}`]);
  if (!step("build", pnpm[0], [...pnpm[1], ...filters, "run", "build"]).ok) finish();
}

// 1. Pack and lint each package.
const packed = new Map();
for (const { dir, manifest } of packages) {
  const before = new Set(readdirSync(tarballs));
  if (
    !step(`pack ${manifest.name}`, pnpm[0], [...pnpm[1], "pack", "--pack-destination", tarballs], {
      cwd: dir,
    }).ok
  )
    continue;
  const file = readdirSync(tarballs).find((name) => !before.has(name) && name.endsWith(".tgz"));
  if (!file) {
    results.push({ name: `tarball of ${manifest.name}`, ok: false, why: "pnpm pack wrote no .tgz" });
    continue;
  }
  const tarball = join(tarballs, file);
  packed.set(manifest.name, tarball);
  step(`publint ${manifest.name}`, bin("publint"), ["run", tarball, "--strict"]);
  step(`attw ${manifest.name}`, bin("attw"), [tarball, "--profile", "esm-only", "--format", "table-flipped"]);
  const manifestInTarball = spawnSync("tar", ["-xzOf", tarball, "package/package.json"], {
    encoding: "utf8",
  }).stdout;
  const leaked = /workspace:/.test(manifestInTarball);
  if (manifest.name === "@sessionkit/ui") {
    // The inspector serves its front end from the tarball: the built files must be in it.
    const listing = spawnSync("tar", ["-tzf", tarball], { encoding: "utf8" }).stdout;
    const hasWeb =
      listing.includes("package/dist/web/index.html") && /package\/dist\/web\/assets\/.+\.js/.test(listing);
    results.push({
      name: "built front end in @sessionkit/ui",
      ok: hasWeb,
      why: hasWeb ? "" : "dist/web/index.html or dist/web/assets/*.js missing from the tarball",
    });
  }
  results.push({
    name: `no workspace: ranges in ${manifest.name}`,
    ok: !leaked,
    why: leaked ? "workspace: left in package.json" : "",
  });
}

// 2. A project outside the workspace, with the tarballs installed.
const install = [
  "@sessionkit/core",
  "@sessionkit/store-fs",
  "@sessionkit/conformance",
  "@sessionkit/store-postgres",
  "@sessionkit/store-redis",
  "@sessionkit/ui",
  "@sessionkit/cli",
];
if (withSqlite) install.push("@sessionkit/store-sqlite");
const missing = install.filter((name) => !packed.has(name));
if (missing.length > 0) {
  results.push({ name: "tarballs to install", ok: false, why: `missing ${missing.join(", ")}` });
  finish();
}
writeFileSync(
  join(project, "package.json"),
  JSON.stringify({ name: "pack-check-project", version: "1.0.0", private: true, type: "module" }, null, 2),
);
const installed = step(
  "npm install the tarballs",
  "npm",
  ["install", "--no-audit", "--no-fund", "--loglevel=error", ...install.map((name) => packed.get(name))],
  { cwd: project, timeoutMs: 600_000 },
);
if (!installed.ok) finish();

// 3a. The multi-step demo (copied from examples/, importing the installed packages) and the drop-in.
const example = join(root, "examples", "multi-step-workflow");
for (const file of ["demo.mjs", "step.mjs", "workflow.mjs"]) cpSync(join(example, file), join(project, file));
step("demo across a process restart", process.execPath, ["demo.mjs"], {
  cwd: project,
  env: { DEMO_DIR: join(project, "demo-sessions") },
  expect: /Result: completed after 5\/20 iterations/,
});
// The demo's tail runs the installed CLI; `npx sessionkit` works from the tarball too.
step(
  "npx sessionkit list over the demo's store",
  "npx",
  ["--no-install", "sessionkit", "--store", "fs:demo-sessions", "list"],
  {
    cwd: project,
    expect: /completed/,
  },
);
writeFileSync(
  join(project, "compat-smoke.mjs"),
  `import assert from "node:assert/strict";
import * as compat from "@sessionkit/store-fs/compat";
compat.configure({ dir: "./compat-sessions" });
const s = await compat.startSession("Packed", "developer", { userId: "u1", maxIterations: 2 });
await compat.pauseSession(s.id, "restart");
assert.equal(compat.isSessionResumable(s.id), true);
await compat.resumeSession(s.id);
await compat.incrementIteration(s.id, { step: 1 });
await compat.completeSession(s.id, "done");
assert.deepEqual(compat.getSession(s.id).history.map((e) => e.type), ["start", "pause", "resume", "iteration", "complete"]);
assert.equal(compat.findSessions({ userId: "u1" }).length, 1);
assert.equal(compat.getStats().successRate, 100);
assert.equal(compat.deleteSession(""), false);
// The per-file entry points share the root's configured store; compat/manager's cleanup takes days.
const manager = await import("@sessionkit/store-fs/compat/manager");
const store = await import("@sessionkit/store-fs/compat/store");
const t = await manager.startSession("Per file", "developer");
assert.equal(store.getSession(t.id).id, t.id);
await manager.completeSession(t.id, "ok");
assert.equal(manager.cleanupOldSessions(30), 0);
assert.equal(compat.listSessions().length, 2);
await compat.closeSessionStore();
const pg = await import("@sessionkit/store-postgres");
assert.equal(typeof pg.createPostgresStore, "function");
assert.equal(typeof (await import("@sessionkit/store-redis")).createRedisStore, "function");
${withSqlite ? 'assert.equal(typeof (await import("@sessionkit/store-sqlite")).createSqliteStore, "function");\n' : ""}console.log("compat smoke ok");
`,
);
step("drop-in (compat) smoke test", process.execPath, ["compat-smoke.mjs"], {
  cwd: project,
  expect: /compat smoke ok/,
});

// 3a'. The inspector from its tarball: serves its built page with the token, 401 without it.
writeFileSync(
  join(project, "ui-smoke.mjs"),
  `import assert from "node:assert/strict";
import { createMemoryStore } from "@sessionkit/core";
import { startInspector } from "@sessionkit/ui";
const store = createMemoryStore();
const inspector = await startInspector({ store });
const page = await fetch(inspector.url);
assert.equal(page.status, 200);
const html = await page.text();
const script = html.match(/src="\\.?\\/?(assets\\/[^"]+\\.js)"/)[1];
const asset = await fetch(new URL(script, inspector.url), { headers: { authorization: "Bearer " + inspector.token } });
assert.equal(asset.status, 200);
assert.equal((await fetch(inspector.url.replace(/\\?token=.*/, "api/info"))).status, 401);
await inspector.close();
await store.close();
console.log("ui smoke ok");
`,
);
step("inspector (ui) smoke test", process.execPath, ["ui-smoke.mjs"], {
  cwd: project,
  expect: /ui smoke ok/,
});

// 3b. The conformance suite from its tarball, node:test binding, against the memory and fs stores.
writeFileSync(
  join(project, "fs-child.mjs"),
  `import { createFsStore } from "@sessionkit/store-fs";
export function createStore(info) {
  return createFsStore({ dir: info.dir, lockStaleMs: 2000, ...info.options });
}
`,
);
writeFileSync(
  join(project, "conformance.test.mjs"),
  `import { fileURLToPath } from "node:url";
import { createMemoryStore } from "@sessionkit/core";
import { describeConformance } from "@sessionkit/conformance/node-test";
import { createFsStore } from "@sessionkit/store-fs";

const options = { iterations: 5, crashIterations: 10 };
describeConformance({ name: "store-memory", create: (ctx) => createMemoryStore({ clock: ctx.clock }) }, options);
describeConformance(
  {
    name: "store-fs",
    create: (ctx) => createFsStore({ dir: ctx.dir, clock: ctx.clock, lockStaleMs: 2000 }),
    reopen: (ctx) => createFsStore({ dir: ctx.dir, clock: ctx.clock, lockStaleMs: 2000 }),
    childModule: fileURLToPath(new URL("./fs-child.mjs", import.meta.url)),
  },
  options,
);
`,
);
step(
  "conformance suite (node:test) on memory and fs",
  process.execPath,
  ["--test", "--test-reporter=dot", "conformance.test.mjs"],
  {
    cwd: project,
    timeoutMs: 600_000,
  },
);

finish();
