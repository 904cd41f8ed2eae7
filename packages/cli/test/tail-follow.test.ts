import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalExportLine, type SessionStore } from "@sessionkit/core";
import { describe, expect, it } from "vitest";
import { BIN, makeSession, skipPg, tempDir } from "./helpers.js";
import { STORE_KINDS } from "./stores.js";

const MEMORY_ADAPTER = fileURLToPath(new URL("./fixtures/memory-adapter.mjs", import.meta.url));

/** Runs `sessionkit tail -f --jsonl …` until `want` lines arrived, then SIGTERMs it; resolves with the lines and exit code. */
async function follow(
  args: string[],
  want: number,
  env: Record<string, string> = {},
  onStart?: () => Promise<void>,
) {
  const child = spawn(process.execPath, [BIN, "--jsonl", ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, "exit");
  const enough = new Promise<void>((resolve) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (stdout.split("\n").filter(Boolean).length >= want) resolve();
    });
  });
  const started = new Promise<void>((resolve) => {
    child.stdout.once("data", () => resolve());
  });
  await started;
  await onStart?.();
  await Promise.race([enough, exited]);
  child.kill("SIGTERM");
  const [code] = await exited;
  return {
    code,
    stderr,
    lines: stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line)),
  };
}

describe("tail -f follows the change feed", () => {
  it("on a store with watch(): the last events, then every new one once, in order; SIGTERM exits 0", async () => {
    const { session, events } = makeSession(1, 3);
    const file = join(tempDir(), "memory.jsonl");
    writeFileSync(
      file,
      `${JSON.stringify({ format: "sessionkit-export", version: 1, exportedAt: session.createdAt, source: "t" })}\n${canonicalExportLine({ session, events })}\n`,
    );
    const run = await follow(
      ["--adapter", MEMORY_ADAPTER, "--store", `memory:${file}`, "tail", session.id, "-f", "-n", "2"],
      7,
      { SK_MEMORY_WRITER: session.id },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const seqs = run.lines.map((line: { seq: number }) => line.seq);
    expect(seqs.slice(0, 7)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(
      run.lines
        .slice(2)
        .every((line: { type: string; id: string }) => line.type === "tick" && line.id === session.id),
    ).toBe(true);
  });

  for (const kind of STORE_KINDS) {
    it.skipIf(kind.name === "postgres" && skipPg)(
      `across processes on ${kind.name} (when the store has watch())`,
      async (context) => {
        const target = kind.fresh();
        const store: SessionStore = await target.open();
        try {
          const { session, events } = makeSession(2, 2);
          await store.importSession(session, events);
          if (store.capabilities.watch !== true)
            context.skip(`${kind.name} has no watch() yet: tail -f says so (read-verbs.test.ts)`);
          const run = await follow(
            ["--store", target.url, "tail", session.id, "-f", "-n", "1"],
            4,
            {},
            async () => {
              for (let k = 0; k < 3; k++)
                await store.commit(session.id, { events: [{ type: "tick", data: { k } }] });
            },
          );
          expect(run.code).toBe(0);
          expect(run.lines.map((line: { seq: number }) => line.seq)).toEqual([2, 3, 4, 5]);
        } finally {
          await store.close();
        }
      },
    );
  }
});
