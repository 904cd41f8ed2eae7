// What the figures were measured on: CPU, memory, the filesystem under the data, versions.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { packageVersion } from "./adapters.mjs";

const require = createRequire(import.meta.url);

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

export async function describeMachine(runDir, pgAdmin) {
  const cpus = os.cpus();
  const disk = sh("findmnt", ["-n", "-o", "FSTYPE,SOURCE,OPTIONS", "--target", runDir]) ?? "unknown";
  const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
  const commit = sh("git", ["-C", repo, "rev-parse", "--short", "HEAD"]);
  const versions = {};
  for (const p of [
    "@sessionkit/core",
    "@sessionkit/store-fs",
    "@sessionkit/store-sqlite",
    "@sessionkit/store-postgres",
    "better-sqlite3",
    "pg",
    "proper-lockfile",
  ]) {
    versions[p] = packageVersion(p) ?? "not installed";
  }
  try {
    const Database = require("better-sqlite3");
    const db = new Database(":memory:");
    versions.SQLite = db.prepare("SELECT sqlite_version() AS v").get().v;
    db.close();
  } catch {}
  if (pgAdmin) {
    try {
      versions.PostgreSQL = (await pgAdmin.query("SHOW server_version")).rows[0].server_version;
    } catch {}
  }
  return {
    date: new Date().toISOString(),
    cpu: `${cpus[0]?.model ?? "unknown"} × ${cpus.length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    disk,
    node: process.version,
    commit,
    versions,
    fsExists: fs.existsSync(runDir),
  };
}
