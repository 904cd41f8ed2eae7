import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const demo = join(dirname(fileURLToPath(import.meta.url)), "..", "demo.mjs");
const dataDir = mkdtempSync(join(tmpdir(), "demo-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("the demo", () => {
  it("pauses in one process, completes in another, and prints the timeline and statistics", () => {
    const output = execFileSync(process.execPath, [demo], {
      encoding: "utf8",
      env: { ...process.env, DEMO_DIR: join(dataDir, "sessions") },
    });
    const pids = [...output.matchAll(/process \d \(pid (\d+)\)/g)].map((match) => match[1]);
    expect(pids).toHaveLength(2);
    expect(pids[0]).not.toBe(pids[1]);
    expect(output).toMatch(
      /process 1 \(pid \d+\): started session_\w+, worked until review, status "paused", exited/,
    );
    expect(output).toMatch(/process 2 \(pid \d+\): resumed from the saved context, status "completed"/);
    const timeline = [...output.matchAll(/^\s+\d+\s+\+\d+\.\d{3}s\s+(\w+)/gm)].map((match) => match[1]);
    expect(timeline[0]).toBe("start");
    expect(timeline.at(-1)).toBe("complete");
    expect(timeline.filter((type) => type === "iteration")).toHaveLength(5);
    expect(timeline.indexOf("pause")).toBeLessThan(timeline.indexOf("resume"));
    expect(output).toContain('reason="Waiting for review after the plan step"');
    expect(output).toMatch(/saved context says: resume at step "implement" \(2\/20\)/);
    expect(output).toMatch(
      /Result: completed after 5\/20 iterations — All 5 steps done: analyse, plan, implement, test, document/,
    );
    expect(output).toMatch(/by status: active=0 paused=0 completed=1 failed=0 timeout=0/);
    expect(output).toMatch(/success rate: 100%/);
    // Its tail: the same store through the built `sessionkit` CLI.
    const id = output.match(/started (session_\w+)/)?.[1] as string;
    expect(output).toMatch(/\$ sessionkit --store fs:\S+ list\n[^$]*│ completed/);
    expect(output).toContain(` show ${id} --last 5\n`);
    expect(output.split("$ sessionkit").slice(1).join("")).toContain(id);
    expect(output).toMatch(/\$ sessionkit --store fs:\S+ stats --by status,mode\n[^$]*│ developer │ 1/);
  });
});
