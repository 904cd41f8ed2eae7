import { fileURLToPath } from "node:url";
import type { SessionStore } from "@sessionkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runCommand, seed, skipPg } from "./helpers.js";
import { STORE_KINDS } from "./stores.js";

// Every run of the binary is a fresh Node process, and zod was 95 of the 105 modules a `stats` run
// loaded (~75 ms of CPU of a 150 ms goal). Read verbs decode records with core's hand-written checks
// and open stores with hand-checked options, so they never load zod; a write verb does, on first use.
const REPORTER = fileURLToPath(new URL("./fixtures/report-zod.mjs", import.meta.url));

function runReported(args: string[], input?: string) {
  return runCommand(
    process.execPath,
    ["--import", REPORTER, BIN, ...args],
    input === undefined ? {} : { input },
  );
}

for (const kind of STORE_KINDS) {
  describe.skipIf(kind.name === "postgres" && skipPg)(`start cost on ${kind.name}`, () => {
    const target = kind.fresh();
    let store: SessionStore;
    let someId: string;
    beforeAll(async () => {
      store = await target.open();
      await seed(store, 12, 4);
      someId = (await store.list({ limit: 1 })).items[0]!.id;
    });
    afterAll(() => store.close());

    it("list, show, stats, tail, export and verify never load zod, nor Node's undici, with any filter", async () => {
      // makeSession's data: user1 has sessions 1, 5, 9 (every status appears), all made in 2026-10.
      const filters = ["--user", "user1", "--status", "active,paused,completed,failed,timeout"];
      const ranges = [
        "--created-after",
        "2026-01-01",
        "--created-before",
        "2999-01-01",
        "--updated-after",
        "2026-01-01",
      ];
      for (const args of [
        ["list", "--limit", "5"],
        ["--json", "list", "--status", "completed"],
        ["--jsonl", "list", "--all", ...filters, ...ranges, "--updated-before", "2999-01-01"],
        ["list", "--meta", "model=gpt-5", "--meta", "tier:=0", "--meta", "beta:=true", "--channel", "chan0"],
        ["show", someId, "--events"],
        ["show", someId, "--since", "2"],
        ["--json", "show", someId, "--last", "1"],
        ["stats", "--by", "status,mode"],
        ["stats", "--by", "day", ...filters, "--mode", "claude"],
        ["tail", someId, "-n", "2"],
        ["--jsonl", "tail", "--all"],
        ["export"],
        ["export", "--status", "completed", "--mode", "claude"],
        ["verify"],
      ]) {
        const run = await runReported(["--store", target.url, ...args]);
        expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(0);
        expect(run.stdout.length).toBeGreaterThan(0);
        expect(run.stderr, args.join(" ")).not.toContain("zod-loaded");
        expect(run.stderr, args.join(" ")).not.toContain("undici-loaded");
      }
    });

    it("a write verb loads zod when it first validates input (the reporter sees it)", async () => {
      const exported = await runReported(["--store", target.url, "export"]);
      expect(exported.code, exported.stderr).toBe(0);
      const run = await runReported(
        ["--store", target.url, "import", "--on-conflict", "skip"],
        exported.stdout,
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain("zod-loaded");
    });
  });
}
