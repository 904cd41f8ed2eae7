// The demo: runs the workflow across a real process restart on the filesystem store, then prints
// the session's history as a timeline and the statistics. Data goes to .demo-sessions/ at the
// repository root (override with DEMO_DIR), cleared at the start.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

// On a fresh clone the packages are not built yet: build the two the demo needs, once. (Outside
// the repository, e.g. with the packages installed from npm, there is nothing to build.)
const inRepo = existsSync(join(root, "pnpm-workspace.yaml"));
if (
  inRepo &&
  !["core", "store-fs"].every((name) => existsSync(join(root, "packages", name, "dist", "index.js")))
) {
  console.log("Building @sessionkit/core and @sessionkit/store-fs first…");
  const build = spawnSync(
    "npx",
    ["-y", "pnpm@10", "--filter", "@sessionkit/core", "--filter", "@sessionkit/store-fs", "build"],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const { createSessionManager } = await import("@sessionkit/core");
const { createFsStore } = await import("@sessionkit/store-fs");
const dir = process.env.DEMO_DIR ?? join(inRepo ? root : process.cwd(), ".demo-sessions");
rmSync(dir, { recursive: true, force: true });

function runStep(...args) {
  const child = spawnSync(process.execPath, [join(here, "step.mjs"), ...args], { encoding: "utf8" });
  if (child.stderr) process.stderr.write(child.stderr);
  if (child.status !== 0) {
    process.stdout.write(child.stdout);
    throw new Error(`step.mjs ${args[0]} exited with ${child.status}`);
  }
  const lines = child.stdout.trim().split("\n");
  for (const line of lines.slice(0, -1)) console.log(line);
  return JSON.parse(lines.at(-1));
}

console.log(
  `sessionkit demo: a multi-step task across a process restart (store: ${relative(process.cwd(), dir) || dir})\n`,
);
const first = runStep("start", dir);
console.log(
  `process 1 (pid ${first.pid}): started ${first.id}, worked until review, status "${first.status}", exited`,
);
const second = runStep("resume", dir, first.id);
console.log(`process 2 (pid ${second.pid}): resumed from the saved context, status "${second.status}"\n`);

const store = createFsStore({ dir });
const manager = createSessionManager({ store });
try {
  const session = await manager.getWithHistory(first.id);
  const start = Date.parse(session.createdAt);
  console.log(`Timeline of ${session.id} — "${session.task}"`);
  for (const event of session.history) {
    const offset = `+${((Date.parse(event.timestamp) - start) / 1000).toFixed(3)}s`.padStart(10);
    console.log(`  ${String(event.seq).padStart(2)} ${offset}  ${event.type.padEnd(10)} ${describe(event)}`);
  }
  console.log(
    `\nResult: ${session.status} after ${session.iterations}/${session.maxIterations} iterations — ${session.result}`,
  );
  const stats = await manager.stats();
  console.log("\nStatistics");
  console.log(`  sessions: ${stats.total}  events: ${stats.events}`);
  console.log(
    `  by status: ${Object.entries(stats.byStatus)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}`,
  );
  console.log(
    `  by mode: ${Object.entries(stats.byMode)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}`,
  );
  console.log(`  average iterations: ${stats.averageIterations}  success rate: ${stats.successRate}%`);
} finally {
  await manager.close();
  await store.close();
}

// The same store through the `sessionkit` CLI (packages/cli, or the installed @sessionkit/cli), as an
// operator looks at it.
const cli = inRepo ? join(root, "packages", "cli", "dist", "bin.js") : installedCli();
if (cli && existsSync(cli)) {
  for (const args of [["list"], ["show", first.id, "--last", "5"], ["stats", "--by", "status,mode"]]) {
    console.log(`\n$ sessionkit --store fs:${relative(process.cwd(), dir) || dir} ${args.join(" ")}`);
    const run = spawnSync(process.execPath, [cli, "--store", `fs:${dir}`, "--no-color", ...args], {
      encoding: "utf8",
    });
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    if (run.status !== 0) process.exitCode = run.status ?? 1;
  }
} else
  console.log("\n(build @sessionkit/cli to see this store through `sessionkit list`, `show` and `stats`)");

/** The bin of an installed @sessionkit/cli, or null. */
function installedCli() {
  try {
    return join(
      dirname(createRequire(import.meta.url).resolve("@sessionkit/cli/package.json")),
      "dist",
      "bin.js",
    );
  } catch {
    return null;
  }
}

/** A short, readable summary of an event's data. */
function describe(event) {
  const d = event.data;
  switch (event.type) {
    case "start":
      return `task="${d.task}" mode=${d.mode}`;
    case "iteration":
      return `step=${d.step}`;
    case "tool_call":
      return `${d.tool} ${JSON.stringify(d.args)} → ${JSON.stringify(d.result)}`;
    case "learning":
      return `"${d.insight}"`;
    case "context":
      return `next=${d.set?.nextStep ?? "(done)"} done=[${(d.set?.completedSteps ?? []).join(",")}]`;
    case "pause":
      return `reason="${d.reason}"`;
    case "resume":
      return `after ${d.pausedDuration} ms paused`;
    case "complete":
      return `result="${d.result}"`;
    default:
      return JSON.stringify(d).slice(0, 80);
  }
}
