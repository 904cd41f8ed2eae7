import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const runScript = fileURLToPath(new URL("../run.mjs", import.meta.url));

// CI runs the quick bench so the benchmark keeps working; no figure is asserted, only that every
// workload ran on every adapter, the tables were printed, and no adapter lost an event.
describe("pnpm bench:quick", () => {
  it("runs every workload on every adapter, prints the tables, and loses no event", () => {
    const result = spawnSync(process.execPath, [runScript, "--quick"], {
      encoding: "utf8",
      timeout: 290_000,
    });
    const out = result.stdout;
    expect(result.error).toBeUndefined();
    expect(result.status, `${out}\n${result.stderr}`).toBe(0);
    expect(out).toContain("## Targets");
    expect(out).toContain("| comparison | ratio | target | result | next round |");
    expect(out).toContain("### Append one event");
    expect(out).toContain("| subject | @10 | @100 |");
    expect(out).not.toContain("bench failed");
    const lostLines = out.split("\n").filter((line) => line.startsWith("| events lost"));
    const unavailable = out.split("\n").filter((line) => line.startsWith("not available:"));
    // fs, fs (durability none), sqlite, postgres: one "lost" line each unless reported unavailable.
    expect(lostLines.length + unavailable.length).toBeGreaterThanOrEqual(4);
    for (const line of lostLines) expect(line).toMatch(/\| lost 0 \| 0 \| PASS \| 0 \|$/);
    if (process.env.CI === "true") expect(unavailable).toEqual([]);
  });
});
