import type { StoreCapabilities } from "@sessionkit/core";
import type { CaseDefinition, CaseRequirement } from "./case.js";
import { allCases } from "./cases/index.js";
import { createTestContext, withDeadline } from "./context.js";
import { createCaseEnv, type RunSettings } from "./env.js";
import type { ConformanceContext, ConformanceHarness, ConformanceOptions } from "./harness.js";
import { describeRound, resolveSeed } from "./race.js";

/** One runnable case: run() creates its own context (or uses the given one) and cleans up after itself. */
export interface ConformanceCase {
  id: string;
  group: string;
  title: string;
  requires?: CaseRequirement[];
  /** Runs the case; rejects with ConformanceSkip when a requirement is unmet, any other error is a failure. */
  run(ctx?: ConformanceContext): Promise<void>;
}

/** A case with its skip reason decided up front (from the declared capabilities). */
export interface PlannedCase extends ConformanceCase {
  skip?: string;
}

/** What a run found. */
export interface ConformanceReport {
  harness: string;
  /** Number of cases in the run. */
  cases: number;
  passed: string[];
  failed: Array<{ id: string; title: string; error: string }>;
  skipped: Array<{ id: string; title: string; reason: string }>;
  /** The capabilities the adapter declared. */
  capabilities?: StoreCapabilities;
}

/** Thrown by ConformanceCase.run() when the case cannot run here; carries the reason. */
export class ConformanceSkip extends Error {
  override readonly name = "ConformanceSkip";
  constructor(readonly reason: string) {
    super(reason);
  }
}

const HOOK_REQUIREMENTS = new Set<CaseRequirement>([
  "corrupt",
  "inspect",
  "plantDebris",
  "createWithChangeLog",
]);

/** Why `def` cannot run with this harness and these capabilities, or undefined when it can. */
export function skipReason(
  def: Pick<CaseDefinition, "id" | "requires">,
  harness: ConformanceHarness,
  capabilities: StoreCapabilities,
  options: ConformanceOptions = {},
): string | undefined {
  const byOption = options.skip?.[def.id];
  if (byOption !== undefined) return `skipped by options: ${byOption}`;
  for (const need of def.requires ?? []) {
    if (HOOK_REQUIREMENTS.has(need)) {
      if (typeof harness[need as "corrupt"] !== "function") return `harness has no ${need}() hook`;
    } else if (need === "reopen") {
      if (typeof harness.reopen !== "function") return "harness has no reopen() hook";
    } else if (need === "child") {
      if (!harness.childModule) return "harness has no childModule";
    } else if (!capabilities[need as keyof StoreCapabilities]) {
      return `${harness.name} does not claim ${need}`;
    }
  }
  return undefined;
}

function settingsOf(options: ConformanceOptions): RunSettings {
  // The full sizes, on demand: the defaults keep a store's CI run within minutes.
  const full = process.env.SESSIONKIT_CONFORMANCE_FULL === "1";
  return {
    iterations: options.iterations ?? 25,
    crashIterations: options.crashIterations ?? 100,
    watchRestarts: options.watchRestarts ?? (full ? 100 : 40),
    sweepSessions: options.sweepSessions ?? (full ? 500 : 100),
    duplicateCopies: options.duplicateCopies ?? (full ? 1000 : 20),
    seed: resolveSeed(options.seed),
    ...(options.onRace ? { onRace: options.onRace } : {}),
  };
}

/** Appends the race seed and the last round's offsets to a failure, so it can be replayed. */
function withRaceInfo(error: unknown, line: string): unknown {
  if (error instanceof Error) {
    try {
      error.message = `${error.message}\n${line}`;
      return error;
    } catch {
      // A frozen error: wrap it instead.
    }
  }
  return new Error(`${String(error)}\n${line}`, { cause: error });
}

function checkOptions(options: ConformanceOptions, ids: Set<string>): void {
  for (const [id, reason] of Object.entries(options.skip ?? {})) {
    if (typeof reason !== "string" || reason.trim() === "") {
      throw new TypeError(
        `@sessionkit/conformance: options.skip["${id}"] needs a reason (a non-empty string).`,
      );
    }
    if (!ids.has(id))
      throw new TypeError(`@sessionkit/conformance: options.skip names an unknown case "${id}".`);
  }
}

/** The cases of the suite for this harness, as data (runner-free). */
export function conformanceCases(
  harness: ConformanceHarness,
  options: ConformanceOptions = {},
): ConformanceCase[] {
  const definitions = allCases();
  checkOptions(options, new Set(definitions.map((def) => def.id)));
  const settings = settingsOf(options);
  const groups = options.groups;
  return definitions
    .filter((def) => !groups || groups.includes(def.group))
    .map((def) => ({
      id: def.id,
      group: def.group,
      title: def.title,
      ...(def.requires ? { requires: def.requires } : {}),
      async run(given?: ConformanceContext) {
        const handle = given ? undefined : createTestContext(def.id);
        const ctx = given ?? handle!.ctx;
        let failure: unknown;
        let failed = false;
        const env = createCaseEnv(harness, ctx, settings, def.id);
        try {
          const store = await env.first();
          const reason = skipReason(def, harness, store.capabilities, options);
          if (reason !== undefined) throw new ConformanceSkip(reason);
          await def.run(env);
        } catch (error) {
          failed = true;
          const round = env.lastRound();
          failure =
            error instanceof ConformanceSkip || round === undefined
              ? error
              : withRaceInfo(error, describeRound(round, settings.seed));
        }
        const cleanupErrors = handle ? await handle.cleanup() : [];
        if (failed) throw failure;
        if (cleanupErrors.length > 0) {
          throw new Error(
            `cleanup after ${def.id} failed: ${(cleanupErrors[0] as Error)?.message ?? String(cleanupErrors[0])}`,
          );
        }
      },
    }));
}

/** Reads the declared capabilities once, from a throwaway store of the harness. */
export async function probeCapabilities(harness: ConformanceHarness): Promise<StoreCapabilities> {
  const handle = createTestContext("probe");
  try {
    const store = await harness.create(handle.ctx);
    const capabilities = { ...store.capabilities };
    await store.close();
    return capabilities;
  } finally {
    await handle.cleanup();
  }
}

/** The cases with their skip reasons decided (what the runner bindings register). */
export async function planConformance(
  harness: ConformanceHarness,
  options: ConformanceOptions = {},
): Promise<{ cases: PlannedCase[]; capabilities: StoreCapabilities }> {
  const capabilities = await probeCapabilities(harness);
  const defs = new Map(allCases().map((def) => [def.id, def]));
  const cases = conformanceCases(harness, options).map((entry) => {
    const reason = skipReason(defs.get(entry.id)!, harness, capabilities, options);
    return reason === undefined ? entry : { ...entry, skip: reason };
  });
  return { cases, capabilities };
}

/** Runs every case, one after another, and returns the report (never throws for a failing case). */
export async function runConformance(
  harness: ConformanceHarness,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const { cases, capabilities } = await planConformance(harness, options);
  const report: ConformanceReport = {
    harness: harness.name,
    cases: cases.length,
    passed: [],
    failed: [],
    skipped: [],
    capabilities,
  };
  for (const entry of cases) {
    if (entry.skip !== undefined) {
      report.skipped.push({ id: entry.id, title: entry.title, reason: entry.skip });
      continue;
    }
    try {
      await withDeadline(entry.run(), options.timeoutMs ?? 180_000, `${entry.id}`);
      report.passed.push(entry.id);
    } catch (error) {
      if (error instanceof ConformanceSkip)
        report.skipped.push({ id: entry.id, title: entry.title, reason: error.reason });
      else report.failed.push({ id: entry.id, title: entry.title, error: messageOf(error) });
    }
  }
  return report;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
