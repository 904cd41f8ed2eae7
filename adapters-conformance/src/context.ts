import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createManualClock } from "@sessionkit/core";
import type { ConformanceContext } from "./harness.js";

/** The suite's clock start: a fixed instant with non-zero milliseconds, so truncation shows. */
export const SUITE_EPOCH = "2026-03-01T12:00:00.123Z";

/** A context plus the function that runs its cleanups (in reverse order) and removes its directory. */
export interface TestContextHandle {
  ctx: ConformanceContext;
  /** Runs every registered cleanup, newest first; collects their errors instead of stopping. */
  cleanup(): Promise<unknown[]>;
}

/** Creates a fresh context: a temporary directory, a unique namespace and a manual clock. */
export function createTestContext(label = "case"): TestContextHandle {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, 16);
  const dir = mkdtempSync(join(tmpdir(), `sessionkit-conf-${safe}-`));
  const namespace = `ck_${safe}_${randomBytes(5).toString("hex")}`.slice(0, 41);
  const clock = createManualClock(SUITE_EPOCH);
  const cleanups: Array<() => unknown> = [];
  const ctx: ConformanceContext = {
    dir,
    namespace,
    clock,
    onCleanup(fn) {
      cleanups.push(fn);
    },
  };
  return {
    ctx,
    async cleanup() {
      const failures: unknown[] = [];
      while (cleanups.length > 0) {
        const fn = cleanups.pop()!;
        try {
          await fn();
        } catch (error) {
          failures.push(error);
        }
      }
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      return failures;
    },
  };
}

/** Rejects when `promise` does not settle within `ms` real milliseconds (used for hang detection only). */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
