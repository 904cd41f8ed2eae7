import { createMemoryStore } from "@sessionkit/core";
import { describe, expect, it } from "vitest";
import { formatReport, runConformance } from "../src/index.js";
import { mutants, sharedHarness } from "./mutants/mutants.js";

const options = { iterations: 8, timeoutMs: 8_000 };

describe("the suite tests itself", () => {
  it("the honest memory store is fully green", async () => {
    const report = await runConformance(
      { name: "store-memory", create: (ctx) => createMemoryStore({ clock: ctx.clock }) },
      options,
    );
    console.log(formatReport(report));
    expect(report.failed).toEqual([]);
    expect(report.passed.length).toBeGreaterThan(70);
  });

  it("an honest shared memory store (persistent, multiHandle, reopen) is fully green", async () => {
    const report = await runConformance(sharedHarness("store-memory-shared"), options);
    console.log(formatReport(report));
    expect(report.failed).toEqual([]);
    expect(report.skipped.filter((skip) => skip.reason.includes("does not claim persistent"))).toEqual([]);
  });

  for (const mutant of mutants) {
    it(`catches a store that ${mutant.name}: exactly ${mutant.red.join(", ")} turn red`, async () => {
      const report = await runConformance(mutant.harness, { ...options, ...mutant.options });
      const red = report.failed.map((failure) => failure.id);
      console.log(`${mutant.harness.name}: red ${red.join(", ")}`);
      expect(red.filter((id) => !id.startsWith("SS-LC-")).sort()).toEqual([...mutant.red].sort());
    });
  }
});
