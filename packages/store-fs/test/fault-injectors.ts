// The faults the conformance harness injects into a store-fs directory, in one module so that the
// suite (conformance.test.ts) and `sessionkit verify`'s tests (packages/cli) inject the same ones.
import { appendFileSync, mkdirSync, readFileSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CorruptionKind } from "@sessionkit/conformance";

/** Damages `<dir>/<id>/session.json` behind the store's back. */
export function corruptFsRecord(dir: string, id: string, kind: CorruptionKind): void {
  const file = join(dir, id, "session.json");
  const text = readFileSync(file, "utf8");
  if (kind === "truncate") truncateSync(file, Math.floor(text.length / 2));
  else if (kind === "garbage") writeFileSync(file, "\u0000\u0001not json at all");
  else if (kind === "wrong-type")
    writeFileSync(file, JSON.stringify({ ...JSON.parse(text), status: 42, iterations: "many" }));
  else writeFileSync(file, JSON.stringify({ ...JSON.parse(text), schemaVersion: 99 }, null, 2));
}

/** What a writer killed mid-write leaves: a stale lock, a temp file, a staging directory, a torn log line. */
export function plantFsDebris(dir: string, id: string): void {
  const lock = join(dir, `${id}.lock`);
  mkdirSync(lock, { recursive: true });
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  mkdirSync(join(dir, `.new.${id}.dead`), { recursive: true });
  writeFileSync(join(dir, `.new.${id}.dead`, "session.json"), "{");
  try {
    writeFileSync(join(dir, id, "session.json.dead.tmp"), '{"schemaVersion":2');
    appendFileSync(join(dir, id, "log.jsonl"), '{"v":99,"set":{');
  } catch {}
}
