import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import type { ConformanceContext, CorruptionKind } from "@sessionkit/conformance";
import { describeConformance } from "@sessionkit/conformance/vitest";
import { createFsStore } from "@sessionkit/store-fs";

const open = (ctx: ConformanceContext) =>
  createFsStore({ dir: ctx.dir, clock: ctx.clock, lockStaleMs: 2000 });

function walk(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(`${relative(root, path)}/`);
      out.push(...walk(root, path));
    } else out.push(relative(root, path));
  }
  return out;
}

describeConformance({
  name: "store-fs",
  create: open,
  reopen: open,
  childModule: new URL("./fixtures/child-store.mjs", import.meta.url).href,
  lockRecoveryMs: 2000 + 1000 + 500,
  corrupt(ctx: ConformanceContext, id: string, kind: CorruptionKind) {
    const file = join(ctx.dir, id, "session.json");
    const text = readFileSync(file, "utf8");
    if (kind === "truncate") truncateSync(file, Math.floor(text.length / 2));
    else if (kind === "garbage") writeFileSync(file, "\u0000\u0001not json at all");
    else if (kind === "wrong-type")
      writeFileSync(file, JSON.stringify({ ...JSON.parse(text), status: 42, iterations: "many" }));
    else writeFileSync(file, JSON.stringify({ ...JSON.parse(text), schemaVersion: 99 }, null, 2));
  },
  // The session files only: the index under .sessionkit/ is derived data, rebuilt from them.
  inspect(ctx: ConformanceContext) {
    return walk(ctx.dir).filter((path) => !path.startsWith(".sessionkit"));
  },
  plantDebris(ctx: ConformanceContext, id: string) {
    // What a writer killed mid-write leaves: a stale lock, a temp file, a staging directory, a torn log line.
    const lock = join(ctx.dir, `${id}.lock`);
    mkdirSync(lock, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    mkdirSync(join(ctx.dir, `.new.${id}.dead`), { recursive: true });
    writeFileSync(join(ctx.dir, `.new.${id}.dead`, "session.json"), "{");
    try {
      writeFileSync(join(ctx.dir, id, "session.json.dead.tmp"), '{"schemaVersion":2');
      appendFileSync(join(ctx.dir, id, "log.jsonl"), '{"v":99,"set":{');
    } catch {}
  },
});
