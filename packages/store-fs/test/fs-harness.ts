import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { ConformanceContext, ConformanceHarness, CorruptionKind } from "@sessionkit/conformance";
import { createFsStore } from "@sessionkit/store-fs";
import { corruptFsRecord, plantFsDebris } from "./fault-injectors.js";

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

/** The fs store's conformance harness (conformance.test.ts, watch-restarts.test.ts). */
export const fsHarness: ConformanceHarness = {
  name: "store-fs",
  create: open,
  reopen: open,
  childModule: new URL("./fixtures/child-store.mjs", import.meta.url).href,
  lockRecoveryMs: 2000 + 1000 + 500,
  corrupt: (ctx: ConformanceContext, id: string, kind: CorruptionKind) => corruptFsRecord(ctx.dir, id, kind),
  // The session files only: the index under .sessionkit/ is derived data, rebuilt from them.
  inspect(ctx: ConformanceContext) {
    return walk(ctx.dir).filter((path) => !path.startsWith(".sessionkit"));
  },
  plantDebris: (ctx: ConformanceContext, id: string) => plantFsDebris(ctx.dir, id),
};
