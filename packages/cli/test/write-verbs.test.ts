import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SessionStore } from "@sessionkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSession, runCli, runCliTty, seed, skipPg, tempDir } from "./helpers.js";
import { STORE_KINDS } from "./stores.js";

const COUNT = 30;
/** Sessions 0..19 were last changed before it (makeSession: updatedAt = base + i min + 30 s). */
const CUTOFF = "2026-10-01T00:20:00.000Z";

const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "");
const allIds = async (store: SessionStore) => (await store.list({ limit: 1000 })).items.map((s) => s.id);

for (const kind of STORE_KINDS) {
  describe.skipIf(kind.name === "postgres" && skipPg)(`write verbs on ${kind.name}`, () => {
    describe("prune", () => {
      const target = kind.fresh();
      let store: SessionStore;
      beforeAll(async () => {
        store = await target.open();
        await seed(store, COUNT, 3);
      });
      afterAll(() => store.close());

      it("a real run without --yes off a terminal exits 2 and removes nothing", async () => {
        const run = await runCli(["--store", target.url, "prune", "--older-than", CUTOFF]);
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/^error ERR_INVALID_INPUT: .*--yes/);
        expect(lines(run.stderr)).toHaveLength(1);
        expect(await store.count()).toBe(COUNT);
      });

      it("on a terminal it asks, and an answer other than yes removes nothing", async () => {
        const run = await runCliTty(["--store", target.url, "prune", "--older-than", CUTOFF], {
          input: "n\n",
        });
        expect(run.stdout).toMatch(/Remove \d+ sessions .*\[y\/N\]/);
        expect(run.stdout).toContain("nothing removed");
        expect(run.code).toBe(0);
        expect(await store.count()).toBe(COUNT);
      });

      it("--dry-run prints exactly the ids the real run then removes, and removes nothing", async () => {
        const before = await allIds(store);
        const dry = await runCli(["--store", target.url, "prune", "--older-than", CUTOFF, "--dry-run"]);
        expect(dry.code).toBe(0);
        const planned = lines(dry.stdout);
        const want = Array.from({ length: 20 }, (_, i) => makeSession(i, 0).session)
          .filter((session) => ["completed", "failed", "timeout"].includes(session.status))
          .map((session) => session.id)
          .sort();
        expect([...planned].sort()).toEqual(want);
        expect(dry.stderr).toContain(`would remove ${want.length} sessions`);
        expect(dry.stderr).toContain("--yes");
        expect(await allIds(store)).toEqual(before);

        const real = await runCli([
          "--store",
          target.url,
          "--jsonl",
          "prune",
          "--older-than",
          CUTOFF,
          "--yes",
        ]);
        expect(real.code).toBe(0);
        const removed = lines(real.stdout).map(
          (line) => JSON.parse(line) as { id: string; removed: boolean },
        );
        expect(removed.every((entry) => entry.removed)).toBe(true);
        expect(removed.map((entry) => entry.id).sort()).toEqual([...planned].sort());
        expect((await allIds(store)).sort()).toEqual(before.filter((id) => !planned.includes(id)).sort());
      });

      it("--status narrows it, --json reports the cutoff, and a bad age is a usage error", async () => {
        const json = await runCli([
          "--store",
          target.url,
          "--json",
          "prune",
          "--older-than",
          "2026-10-02T00:00:00.000Z",
          "--status",
          "paused",
          "--dry-run",
        ]);
        expect(json.code).toBe(0);
        const result = JSON.parse(json.stdout);
        expect(result).toMatchObject({
          dryRun: true,
          cutoff: "2026-10-02T00:00:00.000Z",
          statuses: ["paused"],
        });
        expect(result.ids).toEqual(
          (await store.list({ status: "paused", limit: 1000 })).items.map((s) => s.id).sort(),
        );
        const bad = await runCli(["--store", target.url, "prune", "--older-than", "soon", "--yes"]);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/^error ERR_INVALID_INPUT: .*duration like 30d/);
      });
    });

    describe("export and import", () => {
      const source = kind.fresh();
      let store: SessionStore;
      let exported: string;
      beforeAll(async () => {
        store = await source.open();
        await seed(store, 12, 4);
        const run = await runCli(["--store", source.url, "export"]);
        expect(run.code).toBe(0);
        exported = run.stdout;
      });
      afterAll(() => store.close());

      it("export writes a header and one line per session with its whole history", async () => {
        const [header, ...records] = lines(exported);
        expect(JSON.parse(header as string)).toMatchObject({ format: "sessionkit-export", version: 1 });
        expect(records).toHaveLength(12);
        for (const line of records) {
          const { session, events } = JSON.parse(line);
          const full = await store.getWithHistory(session.id);
          expect(full).not.toBeNull();
          const { history, ...state } = full as NonNullable<typeof full>;
          expect(session).toEqual(state);
          expect(events).toEqual(history);
        }
        const filtered = await runCli(["--store", source.url, "export", "--status", "completed"]);
        expect(
          lines(filtered.stdout)
            .slice(1)
            .map((line) => JSON.parse(line).session.status),
        ).toEqual(Array(lines(filtered.stdout).length - 1).fill("completed"));
        expect(filtered.stderr).toMatch(/exported \d+ sessions/);
      });

      it("import restores them exactly into a new store, from stdin or --in", async () => {
        const target = kind.fresh();
        const file = join(tempDir(), "export.jsonl");
        writeFileSync(file, exported);
        const run = await runCli(["--store", target.url, "import", "-i", file]);
        expect(run.code).toBe(0);
        expect(run.stderr).toContain("imported 12 sessions (48 events), skipped 0");
        const copy = await target.open();
        try {
          for (const id of await allIds(store))
            expect(await copy.getWithHistory(id)).toEqual(await store.getWithHistory(id));
        } finally {
          await copy.close();
        }
      });

      it("--on-conflict fail (the default) exits 1 naming the id and the choices; skip keeps; overwrite replaces", async () => {
        const target = kind.fresh();
        const copy = await target.open();
        try {
          const { session, events } = makeSession(5, 2);
          const changed = { ...session, task: "changed in the target", eventCount: 2 };
          await copy.importSession(changed, events);

          const fail = await runCli(["--store", target.url, "import"], { input: exported });
          expect(fail.code).toBe(1);
          expect(lines(fail.stderr)).toHaveLength(1);
          expect(fail.stderr).toMatch(/^error ERR_SESSION_EXISTS: .*--on-conflict skip/);
          expect(fail.stderr).toContain(session.id);
          expect((await copy.get(session.id))?.task).toBe("changed in the target");

          const skip = await runCli(["--store", target.url, "--json", "import", "--on-conflict", "skip"], {
            input: exported,
          });
          expect(skip.code).toBe(0);
          const before = Number(fail.stderr.match(/(\d+) sessions were imported before it/)?.[1]);
          const totals = JSON.parse(skip.stdout) as { imported: number; skipped: number };
          expect(totals.skipped).toBe(1 + before);
          expect(totals.imported + totals.skipped).toBe(12);
          expect((await copy.get(session.id))?.task).toBe("changed in the target");
          expect(await copy.count()).toBe(12);

          const over = await runCli(
            ["--store", target.url, "--json", "import", "--on-conflict", "overwrite"],
            {
              input: exported,
            },
          );
          expect(over.code).toBe(0);
          expect(JSON.parse(over.stdout)).toEqual({ imported: 12, skipped: 0, events: 48 });
          expect(await copy.getWithHistory(session.id)).toEqual(await store.getWithHistory(session.id));
        } finally {
          await copy.close();
        }
      });

      it("bad input is a one-line error and the store is left as it was", async () => {
        const target = kind.fresh();
        const empty = await runCli(["--store", target.url, "import"], { input: "" });
        expect(empty.code).toBe(2);
        expect(empty.stderr).toMatch(/^error ERR_INVALID_INPUT: .*no export header/);
        const torn = `${lines(exported).slice(0, 3).join("\n")}\n{"session":{"id":`;
        const damaged = await runCli(["--store", target.url, "import"], { input: torn });
        expect(damaged.code).toBe(2);
        expect(damaged.stderr).toMatch(
          /^error ERR_INVALID_INPUT: \[cli\] Line 4 of the export is not JSON.*2 sessions before it were imported/,
        );
        const mode = await runCli(["--store", target.url, "import", "--on-conflict", "merge"], {
          input: exported,
        });
        expect(mode.code).toBe(2);
        const copy = await target.open();
        try {
          expect(await copy.count()).toBe(2);
        } finally {
          await copy.close();
        }
      });
    });
  });
}
