import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const driver = join(dirname(fileURLToPath(import.meta.url)), "..", "driver.mjs");
const dir = mkdtempSync(join(tmpdir(), "bot-driver-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("the local driver runs the scripted conversation without a Discord token", () => {
  const env = { ...process.env, BOT_SESSIONS_DIR: join(dir, "sessions") };
  const output = execFileSync(process.execPath, [driver], { encoding: "utf8", env });
  expect(output).toContain("agent: Done: Add input validation");
  expect(output).toContain("agent failed: Tests are still failing");
  expect(output).toMatch(/> bob: \/session pause session_id:(session_\w+)\n {2}Session `\1` not found\./);
  expect(output).toContain("Cannot resume: the session is active already.");
  expect(output).toContain("Only an admin can clean up sessions.");
  expect(output).toContain("Would remove 2 finished session(s) older than 0 days.");
  // The stdin mode reads the same store the script wrote.
  const replies = execFileSync(process.execPath, [driver, "--stdin"], {
    encoding: "utf8",
    env,
    input: "alice stats\nbob list\n",
  });
  expect(replies).toContain("Your sessions: 3 (active: 1, completed: 1, failed: 1)");
  expect(replies).toContain("You have no sessions.");
});
