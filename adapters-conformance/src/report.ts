import type { ConformanceReport } from "./run.js";

/** A human-readable summary: counts, then every failure and every skip with its reason. */
export function formatReport(report: ConformanceReport): string {
  const lines = [
    `@sessionkit/conformance on ${report.harness}: ${report.cases} cases, ${report.passed.length} passed, ` +
      `${report.failed.length} failed, ${report.skipped.length} skipped`,
  ];
  for (const failure of report.failed)
    lines.push(
      `  FAIL ${failure.id} ${failure.title}\n       ${failure.error.split("\n").join("\n       ")}`,
    );
  for (const skip of report.skipped) lines.push(`  SKIP ${skip.id} ${skip.title} (${skip.reason})`);
  return lines.join("\n");
}
