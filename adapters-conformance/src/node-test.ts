import { after, describe, it } from "node:test";
import { caseName, groupName, planForBinding } from "./binding.js";
import type { ConformanceHarness, ConformanceOptions } from "./harness.js";
import { ConformanceSkip } from "./run.js";

/** Registers the suite with node:test (also usable from Jest/Bun-style describe/it): one test per case. */
export function describeConformance(harness: ConformanceHarness, options: ConformanceOptions = {}): void {
  describe(`@sessionkit/conformance: ${harness.name}`, async () => {
    const { groups, summary, timeoutMs } = await planForBinding(harness, options);
    for (const [group, cases] of groups) {
      describe(groupName(group), () => {
        for (const entry of cases) {
          if (entry.skip !== undefined) {
            it(caseName(entry), { skip: entry.skip }, () => undefined);
            continue;
          }
          it(caseName(entry), { timeout: timeoutMs }, async (t) => {
            try {
              await entry.run();
            } catch (error) {
              if (error instanceof ConformanceSkip) return t.skip(error.reason);
              throw error;
            }
          });
        }
      });
    }
    after(() => {
      console.log(summary);
    });
  });
}
