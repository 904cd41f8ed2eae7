import { afterAll, describe, it } from "vitest";
import { caseName, groupName, planForBinding } from "./binding.js";
import type { ConformanceHarness, ConformanceOptions } from "./harness.js";
import { ConformanceSkip } from "./run.js";

/**
 * Registers the suite with vitest: describe(group) → it("SS-XXX-NN title") per case, it.skip with
 * the reason in the title for skips, and prints the case count and every skip after the run.
 */
export function describeConformance(harness: ConformanceHarness, options: ConformanceOptions = {}): void {
  describe(`@sessionkit/conformance: ${harness.name}`, async () => {
    const { groups, summary, timeoutMs } = await planForBinding(harness, options);
    for (const [group, cases] of groups) {
      describe(groupName(group), () => {
        for (const entry of cases) {
          if (entry.skip !== undefined) {
            it.skip(caseName(entry), () => undefined);
            continue;
          }
          it(
            caseName(entry),
            async (context) => {
              try {
                await entry.run();
              } catch (error) {
                if (error instanceof ConformanceSkip) return context.skip(error.reason);
                throw error;
              }
            },
            timeoutMs,
          );
        }
      });
    }
    afterAll(() => {
      console.log(summary);
    });
  });
}
