// export | import between the four stores (memory through --adapter, fs, SQLite, PostgreSQL) gives
// byte-identical canonical JSON Lines: each store, given one canonical export, exports exactly those
// bytes back, so any pair A → B does too (B's import sees only the bytes A exported).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalExportLine } from "@sessionkit/core";
import { describe, expect, it } from "vitest";
import { makeSession, pgStoreUrl, runCli, skipPg, tempDir } from "./helpers.js";

/**
 * The figure is 10,000 (SESSIONKIT_CLI_ROUNDTRIP_SESSIONS=10000); the suite runs 2,000 so the
 * file stays well under a minute: store-fs fsyncs every imported session, ~3 ms each on an idle disk.
 */
const SESSIONS = Number(process.env.SESSIONKIT_CLI_ROUNDTRIP_SESSIONS ?? 2000);
const EVENTS = 4;
const MEMORY_ADAPTER = fileURLToPath(new URL("./fixtures/memory-adapter.mjs", import.meta.url));

/** The records of an export (the header names the source and the time, so it differs by design). */
function body(jsonl: string): string {
  return jsonl.slice(jsonl.indexOf("\n") + 1);
}
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The data set as the canonical export of a store that lists newest first. */
function canonicalExport(): string {
  const lines = [
    JSON.stringify({
      format: "sessionkit-export",
      version: 1,
      exportedAt: "2026-12-01T00:00:00.000Z",
      source: "test",
    }),
  ];
  for (let i = SESSIONS - 1; i >= 0; i--) {
    const { session, events } = makeSession(i, EVENTS);
    lines.push(canonicalExportLine({ session, events }));
  }
  return `${lines.join("\n")}\n`;
}

describe.skipIf(skipPg)(
  `export | import across memory, fs, SQLite and PostgreSQL (${SESSIONS} sessions)`,
  () => {
    it("each store exports exactly the canonical bytes it imported (same sha256)", async () => {
      const dir = tempDir();
      const source = join(dir, "source.jsonl");
      writeFileSync(source, canonicalExport());
      const want = sha256(body(readFileSync(source, "utf8")));
      const stores: Record<string, string[]> = {
        memory: ["--adapter", MEMORY_ADAPTER, "--store", `memory:${join(dir, "memory.jsonl")}`],
        fs: ["--store", `fs:${join(dir, "sessions")}`],
        sqlite: ["--store", `sqlite:${join(dir, "sessions.db")}`],
        postgres: ["--store", pgStoreUrl("sk_cli_roundtrip").url],
      };
      // The four stores in parallel: separate processes, separate storage.
      const sums = await Promise.all(
        Object.entries(stores).map(async ([name, args]) => {
          const imported = await runCli([...args, "--json", "import", "-i", source]);
          expect(imported.stderr, name).toBe("");
          expect(JSON.parse(imported.stdout), name).toEqual({
            imported: SESSIONS,
            skipped: 0,
            events: SESSIONS * EVENTS,
          });
          const output = join(dir, `export-${name}.jsonl`);
          const exported = await runCli([...args, "export", "-o", output]);
          expect(exported.code, name).toBe(0);
          expect(exported.stderr.trim(), name).toBe(`exported ${SESSIONS} sessions`);
          const [header] = readFileSync(output, "utf8").split("\n", 1);
          expect(JSON.parse(header as string), name).toMatchObject({
            format: "sessionkit-export",
            version: 1,
          });
          return [name, sha256(body(readFileSync(output, "utf8")))];
        }),
      );
      expect(Object.fromEntries(sums)).toEqual(
        Object.fromEntries(Object.keys(stores).map((name) => [name, want])),
      );
    }, 600_000);
  },
);
