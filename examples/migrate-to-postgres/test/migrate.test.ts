import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createManualClock, type SessionStatus, type SessionStore } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { createPostgresStore } from "@sessionkit/store-postgres";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

const PG_URL = process.env.SESSIONKIT_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SCRIPT = fileURLToPath(new URL("../migrate.mjs", import.meta.url));

async function probe(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return null;
  } catch (error) {
    return `PostgreSQL not reachable at ${new URL(PG_URL).host} (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}
const unreachable = await probe();
const note = unreachable ? ` (skipped: ${unreachable})` : "";

const schemas: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  if (unreachable) return;
  const client = new pg.Client(PG_URL);
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

function fresh(): { dir: string; schema: string } {
  const dir = mkdtempSync(join(tmpdir(), "sk-migrate-"));
  const schema = `sk_test_${randomBytes(6).toString("hex")}`;
  dirs.push(dir);
  schemas.push(schema);
  return { dir, schema };
}

function runScript(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const STATUSES: SessionStatus[] = ["active", "paused", "completed", "failed", "timeout"];
const HOSTILE = ["\u0000", "a\u0000b", "\ud83d", "\ude00", "x\ud83d\ude00y"];

/** Fills a store with `count` sessions with histories; every 10th carries hostile strings. */
async function fill(
  store: SessionStore,
  count: number,
  clock: ReturnType<typeof createManualClock>,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    clock.advance(i % 4 === 0 ? 0 : 1000); // shared createdAt values exercise the id tie-break
    const hostile = i % 10 === 0 ? HOSTILE[(i / 10) % HOSTILE.length]! : "";
    const events = Array.from({ length: i % 7 }, (_, k) => ({
      type: k === 0 ? "start" : "iteration",
      data: { k, text: `step ${k}${hostile}` },
    }));
    const { session } = await store.create(
      {
        mode: ["chat", "code", "review"][i % 3]!,
        task: `task ${i}${hostile}`,
        userId: `user${i % 13}${hostile}`,
        ...(i % 5 ? { channelId: `chan${i % 4}` } : {}),
        context: { i, notes: [hostile, null, 0, false, ""], nested: { deep: { value: i / 3 } } },
        metadata: { model: i % 2 ? "small" : "large", cost: i * 0.01, tag: hostile || null },
      },
      { events },
    );
    if (i % 3 === 0) {
      clock.advance(7);
      await store.commit(session.id, {
        patch: { status: STATUSES[i % STATUSES.length], iterations: i % 11 },
        events: [{ type: "learning", data: { lesson: `l${i}${hostile}` } }],
      });
    }
  }
}

describe.skipIf(unreachable !== null)(`migrate.mjs moves data into PostgreSQL${note}`, () => {
  it("copies 1,000 fs sessions with histories, shows progress, verifies, and every session and event is equal", async () => {
    const { dir, schema } = fresh();
    const clock = createManualClock("2026-02-01T00:00:00.000Z");
    const fs = createFsStore({ dir, durability: "none", clock });
    await fill(fs, 1000, clock);
    await fs.close();

    const run = await runScript([
      "--from-fs",
      dir,
      "--to",
      PG_URL,
      "--schema",
      schema,
      "--every",
      "100",
      "--deep",
    ]);
    expect(run.stderr).toContain("Copying 1000 sessions");
    for (let n = 100; n <= 1000; n += 100) expect(run.stderr).toContain(`  ${n}/1000 sessions`);
    expect(run.stderr).toContain("compared 1000 sessions");
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; sessions: number; events: number };
    expect(report).toMatchObject({ ok: true, sessions: 1000 });

    // Independently of the script: every session and every event, field by field.
    const source = createFsStore({ dir });
    const target = createPostgresStore({ connectionString: PG_URL, max: 2 }, { schema });
    try {
      expect(await target.count()).toBe(1000);
      expect(await target.stats()).toEqual(await source.stats());
      let cursor: string | null = null;
      let compared = 0;
      let events = 0;
      do {
        const page: Awaited<ReturnType<SessionStore["list"]>> = await source.list({ limit: 250, cursor });
        const other = await target.list({ limit: 250, ...(cursor ? { cursor } : {}) }).catch(() => null);
        if (!cursor) expect(other?.items).toEqual(page.items); // same order, same summaries
        for (const { id } of page.items) {
          const expected = await source.getWithHistory(id);
          expect(await target.getWithHistory(id)).toEqual(expected);
          events += expected!.history.length;
          compared++;
        }
        cursor = page.nextCursor;
      } while (cursor);
      expect(compared).toBe(1000);
      expect(events).toBe(report.events);
      expect(events).toBeGreaterThan(2500);
      expect(await target.count({ userId: `user0${HOSTILE[0]}` })).toBe(
        await source.count({ userId: `user0${HOSTILE[0]}` }),
      );
    } finally {
      await source.close();
      await target.close();
    }

    const again = await runScript(["--from-fs", dir, "--to", PG_URL, "--schema", schema]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already holds 1000 sessions");
  });

  it("copies a SQLite store the same way", async () => {
    const { dir, schema } = fresh();
    const clock = createManualClock("2026-02-01T00:00:00.000Z");
    const file = join(dir, "sessions.db");
    const sqlite = createSqliteStore({ filename: file, clock });
    await fill(sqlite, 60, clock);
    await sqlite.close();
    const run = await runScript([
      "--from-sqlite",
      file,
      "--to",
      PG_URL,
      "--schema",
      schema,
      "--every",
      "20",
      "--deep",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("60/60 sessions");
    const source = createSqliteStore({ filename: file });
    const target = createPostgresStore({ connectionString: PG_URL, max: 2 }, { schema });
    try {
      const { items } = await source.list({ limit: 100 });
      expect(items).toHaveLength(60);
      for (const { id } of items)
        expect(await target.getWithHistory(id)).toEqual(await source.getWithHistory(id));
    } finally {
      await source.close();
      await target.close();
    }
  });

  it("exits non-zero and names the session when the source holds a damaged record", async () => {
    const { dir, schema } = fresh();
    const clock = createManualClock();
    const fs = createFsStore({ dir, durability: "none", clock });
    await fill(fs, 5, clock);
    const { items } = await fs.list();
    await fs.close();
    const victim = items[2]!.id;
    writeFileSync(join(dir, victim, "session.json"), "{ torn");
    const run = await runScript(["--from-fs", dir, "--to", PG_URL, "--schema", schema]);
    expect(run.code).toBe(1);
    // Either the copy stops on it or verification lists it; both name it and fail.
    expect(run.stderr).toContain(victim);
    expect(run.stderr).toMatch(/Verification FAILED|Migration failed: ERR_CORRUPT_RECORD/);
  });

  it("refuses bad arguments with usage and exit code 2", async () => {
    const run = await runScript(["--to", PG_URL]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Give exactly one of --from-fs or --from-sqlite");
  });
});
