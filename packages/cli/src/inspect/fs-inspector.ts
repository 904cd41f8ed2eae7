import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
} from "node:fs";
import { join } from "node:path";
import type { SessionSummary } from "@sessionkit/core";
import { canonicalJson, SESSION_ID_PATTERN, SUMMARY_KEYS, toSummary } from "@sessionkit/core/driver";
import type { FsSessionStore } from "@sessionkit/store-fs";
import lockfile from "proper-lockfile";
import { scanSession } from "./fs-log.js";
import type { Finding, Inspector, InspectTarget, RepairStep } from "./types.js";

const OWNER_SUFFIX = ".owner";
const WAITING_MARKER = "waiting";
/** store-fs's default stale-lock time: a lock older than this belongs to a writer that is gone. */
const STALE_MS = 10_000;

/**
 * The path whose mtime says a lock is stale, or null when the lock is live (or gone). store-fs's rule
 * (its lock.ts): a holder renews its `<token>.owner` file; the directory's mtime only counts when
 * there is no owner file (a proper-lockfile lock), since a waiter's `waiting` marker touches it.
 */
function staleOwner(lockDir: string): string | null {
  try {
    const owner = readdirSync(lockDir).find((name) => name.endsWith(OWNER_SUFFIX));
    const path = owner ? join(lockDir, owner) : lockDir;
    return Date.now() - statSync(path).mtimeMs > STALE_MS ? path : null;
  } catch {
    return null;
  }
}

/**
 * Takes a stale lock over as store-fs does: unlink the stale owner file first (only one contender
 * can), then the `waiting` marker and the directory. Never recursive: a contender that made the
 * directory its lock meanwhile has an owner file in it, and rmdir then fails and leaves it.
 */
function removeStaleLock(lockDir: string): void {
  const path = staleOwner(lockDir);
  if (path === null) return;
  try {
    if (path !== lockDir) unlinkSync(path);
    rmSync(join(lockDir, WAITING_MARKER), { force: true });
    rmdirSync(lockDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
  }
}

/** Inspects a store-fs directory (layout in packages/store-fs/README.md) without taking any lock. */
export function createFsInspector(target: InspectTarget & { dir: string }): Inspector {
  const { dir } = target;
  const store = target.store as FsSessionStore;
  const quarantine = target.quarantineDir ?? join(dir, ".sessionkit", "quarantine");
  const lockPath = (id: string) => join(dir, `${id}.lock`);

  /** Runs `fn` holding the session's lock, the way store-fs writers take it, so no commit is in flight. */
  function underLock(id: string, fn: () => void): void {
    const release = lockfile.lockSync(join(dir, id), {
      realpath: false,
      lockfilePath: lockPath(id),
      stale: STALE_MS,
    });
    try {
      fn();
    } finally {
      release();
    }
  }

  async function verify(deep: boolean): Promise<Finding[]> {
    const findings: Finding[] = [];
    const entries = readdirSync(dir, { withFileTypes: true });
    const live = new Set<string>();
    const sessions: string[] = [];
    const debris: Array<{ id: string; name: string }> = [];
    for (const entry of entries) {
      const name = entry.name;
      if (name === ".sessionkit") continue;
      if (SESSION_ID_PATTERN.test(name) && entry.isDirectory()) sessions.push(name);
      else if (name.endsWith(".lock") && SESSION_ID_PATTERN.test(name.slice(0, -5))) {
        const id = name.slice(0, -5);
        if (staleOwner(join(dir, name)) !== null)
          findings.push({
            kind: "stale-lock",
            id,
            where: name,
            detail: `lock older than ${STALE_MS / 1000} s: its writer is gone`,
          });
        else live.add(id);
      } else {
        const match = /^\.(new|trash)\.(session_[A-Za-z0-9_-]+)\.[^.]+$/.exec(name);
        if (match) debris.push({ id: match[2] as string, name });
      }
    }
    for (const id of sessions) {
      if (live.has(id)) continue; // a writer is at work on it right now; look next time
      for (const name of readdirSync(join(dir, id)))
        if (name.endsWith(".tmp")) debris.push({ id, name: `${id}/${name}` });
    }
    for (const { id, name } of debris) {
      if (!live.has(id))
        findings.push({
          kind: "debris",
          id,
          where: name,
          detail: "left by an interrupted create, delete or write",
        });
    }
    const readable = new Map<string, SessionSummary>();
    for (const id of sessions.sort()) {
      if (live.has(id)) continue;
      const scan = scanSession(join(dir, id), id, deep);
      findings.push(...scan.findings);
      if (
        scan.session &&
        !scan.findings.some((finding) => finding.kind !== "torn-tail" && !finding.kind.startsWith("seq-"))
      ) {
        readable.set(id, toSummary(scan.session));
      }
    }
    findings.push(...indexDrift(readable, new Set(sessions), live));
    return findings;
  }

  /** Folds `.sessionkit/index.snapshot.json` + `index.jsonl` (latest line per id) and compares it with the files. */
  function indexDrift(
    readable: Map<string, SessionSummary>,
    present: Set<string>,
    live: Set<string>,
  ): Finding[] {
    const folded = new Map<string, Record<string, unknown> | null>();
    try {
      const snapshot = JSON.parse(readFileSync(join(dir, ".sessionkit", "index.snapshot.json"), "utf8")) as {
        entries?: Array<[string, Record<string, unknown> | null]>;
      };
      for (const [id, entry] of snapshot.entries ?? []) folded.set(id, entry);
    } catch {}
    let journal = "";
    try {
      journal = readFileSync(join(dir, ".sessionkit", "index.jsonl"), "utf8");
    } catch {}
    for (const text of journal.split("\n").slice(1)) {
      let line: { i?: unknown; s?: Record<string, unknown>; d?: unknown };
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      if (typeof line.i !== "string") continue;
      if (line.d) folded.delete(line.i);
      else folded.set(line.i, line.s ?? null);
    }
    const findings: Finding[] = [];
    for (const [id, entry] of folded) {
      if (live.has(id)) continue;
      if (!present.has(id)) {
        findings.push({
          kind: "index-drift",
          id,
          where: ".sessionkit/index.jsonl",
          detail: "the index lists a session whose directory is gone",
        });
        continue;
      }
      const actual = readable.get(id);
      if (!actual || entry === null) continue; // damaged (reported above) or read directly by the store
      const differs = SUMMARY_KEYS.filter((key) => canonicalJson(actual[key]) !== canonicalJson(entry[key]));
      if (differs.length > 0) {
        findings.push({
          kind: "index-drift",
          id,
          where: ".sessionkit/index.jsonl",
          detail: `the index disagrees with session.json on ${differs.join(", ")}`,
        });
      }
    }
    return findings;
  }

  function plan(findings: Finding[]): RepairStep[] {
    const steps: RepairStep[] = [];
    let rebuild = false;
    const quarantined = new Set<string>();
    for (const finding of findings) {
      const { id, where } = finding;
      if ((finding.kind === "corrupt-record" || finding.kind === "unknown-record-version") && id) {
        if (quarantined.has(id)) continue;
        quarantined.add(id);
        rebuild = true;
        steps.push({
          action: "quarantine",
          id,
          where: id,
          detail: `move ${id}/ to ${quarantine}/ (kept, not deleted): ${finding.detail}`,
        });
      } else if (finding.kind === "torn-tail" && id) {
        steps.push({
          action: "truncate-tail",
          id,
          where,
          detail: "cut log.jsonl back to its last complete commit",
        });
      } else if (finding.kind === "stale-lock") {
        steps.push({
          action: "remove-lock",
          id,
          where,
          detail: "remove the lock directory of a writer that is gone",
        });
      } else if (finding.kind === "debris") {
        steps.push({
          action: "remove-debris",
          id,
          where,
          detail: "remove what an interrupted write left (never a session)",
        });
      } else if (finding.kind === "index-drift") {
        rebuild = true;
      } else {
        steps.push({
          action: "manual",
          id,
          where,
          detail: `${finding.kind}: ${finding.detail}; the session stays readable, so repair leaves it (export it, fix, import --on-conflict overwrite)`,
        });
      }
    }
    // Quarantines first (a damaged session's other findings then need nothing), the index last.
    const order = ["remove-lock", "remove-debris", "quarantine", "truncate-tail", "manual"];
    const sorted = steps
      .filter((step) => !(step.action === "truncate-tail" && step.id && quarantined.has(step.id)))
      .sort((a, b) => order.indexOf(a.action) - order.indexOf(b.action));
    if (rebuild)
      sorted.push({
        action: "rebuild-index",
        id: null,
        where: ".sessionkit/",
        detail: "rebuild the listing index from the session files",
      });
    return sorted;
  }

  async function apply(step: RepairStep): Promise<void> {
    const id = step.id;
    if (step.action === "remove-lock" && id) {
      removeStaleLock(lockPath(id));
    } else if (step.action === "remove-debris") {
      const path = join(dir, step.where);
      if (!SESSION_ID_PATTERN.test(step.where)) rmSync(path, { recursive: true, force: true });
    } else if (step.action === "quarantine" && id) {
      mkdirSync(quarantine, { recursive: true });
      underLock(id, () => {
        if (existsSync(join(dir, id))) renameSync(join(dir, id), join(quarantine, `${id}.${Date.now()}`));
      });
    } else if (step.action === "truncate-tail" && id) {
      underLock(id, () => {
        const scan = scanSession(join(dir, id), id, false);
        if (scan.committedEnd >= 0 && scan.committedEnd < scan.logSize)
          truncateSync(join(dir, id, "log.jsonl"), scan.committedEnd);
      });
    } else if (step.action === "rebuild-index") {
      store.rebuildIndex();
    }
  }

  return { verify, plan, apply, close: async () => undefined };
}
