import { GROUP_TITLES } from "./case.js";
import type { ConformanceHarness, ConformanceOptions } from "./harness.js";
import { type PlannedCase, planConformance } from "./run.js";

/** The cases grouped in report order, and the summary line printed after the run. */
export async function planForBinding(harness: ConformanceHarness, options: ConformanceOptions) {
  const { cases } = await planConformance(harness, options);
  const groups = new Map<string, PlannedCase[]>();
  for (const entry of cases) {
    const list = groups.get(entry.group) ?? [];
    list.push(entry);
    groups.set(entry.group, list);
  }
  const skipped = cases.filter((entry) => entry.skip !== undefined);
  const summary = [
    `@sessionkit/conformance on ${harness.name}: ${cases.length} cases, ${cases.length - skipped.length} run, ${skipped.length} skipped`,
    ...skipped.map((entry) => `  SKIP ${entry.id} ${entry.title} (${entry.skip})`),
  ].join("\n");
  return { groups, summary, timeoutMs: options.timeoutMs ?? 180_000 };
}

/** "SS-OCC optimistic concurrency". */
export function groupName(group: string): string {
  return GROUP_TITLES[group] ? `${group} ${GROUP_TITLES[group]}` : group;
}

/** "SS-OCC-03 title", plus the skip reason when skipped. */
export function caseName(entry: PlannedCase): string {
  return entry.skip === undefined
    ? `${entry.id} ${entry.title}`
    : `${entry.id} ${entry.title} [skipped: ${entry.skip}]`;
}
