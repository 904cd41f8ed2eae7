import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { SessionStore } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { openPostgresStore } from "@sessionkit/store-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, makeSession, PG_URL, pgStoreUrl, runCli, runCliTty, seed, skipPg, tempDir } from "./helpers.js";

/** Bounded so the file runs in seconds; bench/lib/w-cli.mjs runs the full 10,000 / 1,000,000. */
const SESSIONS = 1000;
const EVENTS = 50;

interface Parity {
  clean: boolean;
  batches: number;
  sessions: { source: number; target: number };
  events: { source: number; target: number };
  missing: string[];
  extra: string[];
  mismatched: string[];
  checksums: Array<{ id: string; source: string; target: string }>;
}

describe.skipIf(skipPg)("migrate fs → postgres", () => {
  const dir = join(tempDir(), "sessions");
  let source: SessionStore;
  beforeAll(async () => {
    // Seeding skips the fsyncs (the files are the same); the CLI then opens the store as operators do.
    source = createFsStore({ dir, durability: "none" });
    await seed(source, SESSIONS, EVENTS);
  });
  afterAll(() => source.close());

  it(`killed with SIGKILL mid-way and resumed, copies ${SESSIONS} sessions / ${SESSIONS * EVENTS} events with a clean parity report`, async () => {
    const { url, schema } = pgStoreUrl("sk_cli_migrate");
    const checkpoint = join(tempDir(), "migrate.json");
    const args = [
      "--json",
      "migrate",
      "--from",
      `fs:${dir}`,
      "--to",
      url,
      "--batch",
      "25",
      "--checkpoint",
      checkpoint,
    ];
    const child = spawn(process.execPath, [BIN, ...args], { stdio: "ignore" });
    const exited = once(child, "exit");
    // Killed once a few batches are checkpointed and while more are still to come.
    for (;;) {
      await delay(20);
      if (!existsSync(checkpoint)) continue;
      let state: { batches: number; done: boolean };
      try {
        state = JSON.parse(readFileSync(checkpoint, "utf8"));
      } catch {
        continue; // the rename of a new checkpoint is atomic, but reading may catch none
      }
      expect(state.done).toBe(false);
      if (state.batches >= 4) break;
    }
    child.kill("SIGKILL");
    const [, signal] = await exited;
    expect(signal).toBe("SIGKILL");
    const killedAt = JSON.parse(readFileSync(checkpoint, "utf8")) as { sessions: number; batches: number };
    expect(killedAt.sessions).toBeLessThan(SESSIONS);

    const again = await runCli(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error ERR_INVALID_INPUT: .*--resume/);

    const resumed = await runCli([...args, "--resume"]);
    expect(resumed.stderr.trim()).toBe(
      `resuming after ${killedAt.sessions} sessions (${killedAt.batches} batches)`,
    );
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout) as Parity;
    expect(report.clean).toBe(true);
    expect(report.sessions).toEqual({ source: SESSIONS, target: SESSIONS });
    expect(report.events).toEqual({ source: SESSIONS * EVENTS, target: SESSIONS * EVENTS });
    expect(report.batches).toBe(SESSIONS / 25);
    expect(report.checksums).toHaveLength(SESSIONS);
    expect(
      report.checksums.every((row) => row.source === row.target && /^[0-9a-f]{64}$/.test(row.source)),
    ).toBe(true);

    // Behind the CLI's back: the target holds exactly the source's data.
    const target = await openPostgresStore({ connectionString: PG_URL, max: 2 }, { schema });
    try {
      expect(await target.count()).toBe(SESSIONS);
      for (const i of [0, 1, 333, SESSIONS - 1]) {
        const id = makeSession(i, 0).session.id;
        expect(await target.getWithHistory(id)).toEqual(await source.getWithHistory(id));
      }
    } finally {
      await target.close();
    }

    // A finished migration resumed again only re-checks parity.
    const done = await runCli([...args, "--resume"]);
    expect(done.code).toBe(0);
    expect((JSON.parse(done.stdout) as Parity).clean).toBe(true);
  });

  it("parity is not clean (exit 3) when the target changed after the copy", async () => {
    const { url, schema } = pgStoreUrl("sk_cli_migrate");
    const small = join(tempDir(), "small");
    const store = createFsStore({ dir: small });
    await seed(store, 5, 3);
    await store.close();
    const checkpoint = join(tempDir(), "small.json");
    const args = ["migrate", "--from", `fs:${small}`, "--to", url, "--checkpoint", checkpoint];
    expect((await runCli(args)).code).toBe(0);
    const target = await openPostgresStore({ connectionString: PG_URL, max: 2 }, { schema });
    const changed = makeSession(2, 0).session.id;
    try {
      await target.commit(changed, { events: [{ type: "late" }] });
    } finally {
      await target.close();
    }
    const run = await runCli([...args, "--resume"]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("parity NOT clean");
    expect(run.stderr).toContain(`differs: ${changed}`);
  });
});

describe("migrate output", () => {
  it("shows a progress bar on a terminal only, and refuses a target that already holds sessions", async () => {
    const from = join(tempDir(), "from");
    const store = createFsStore({ dir: from });
    await seed(store, 8, 2);
    await store.close();
    const cwd = tempDir();
    const piped = await runCli(["migrate", "--from", `fs:${from}`, "--to", `sqlite:${join(cwd, "a.db")}`], {
      cwd,
    });
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toContain("migrating [");
    expect(piped.stdout).toContain("parity clean: 8 sessions");
    const tty = await runCliTty(["migrate", "--from", `fs:${from}`, "--to", `sqlite:${join(cwd, "b.db")}`], {
      cwd,
    });
    expect(tty.code).toBe(0);
    expect(tty.stdout).toMatch(/migrating \[[^\]]*\] \d+\/8 sessions/);
    expect(tty.stdout).toContain("parity clean: 8 sessions");
    const occupied = await runCli(
      [
        "migrate",
        "--from",
        `fs:${from}`,
        "--to",
        `sqlite:${join(cwd, "a.db")}`,
        "--checkpoint",
        join(cwd, "x.json"),
      ],
      { cwd },
    );
    expect(occupied.code).toBe(2);
    expect(occupied.stderr).toMatch(/^error ERR_INVALID_INPUT: .*already holds sessions/);
  });
});
