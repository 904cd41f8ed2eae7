// verify finds every fault the conformance suite's harnesses inject (the same injector modules the
// suite runs: store-fs/test/fault-injectors.ts, store-sqlite/test/helpers.ts, store-postgres/test/
// fault-injectors.ts), by id and kind; repair then makes verify clean and keeps every readable session.
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CorruptionKind } from "@sessionkit/conformance";
import type { SessionStore } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { openPostgresStore } from "@sessionkit/store-postgres";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { corruptFsRecord, plantFsDebris } from "../../store-fs/test/fault-injectors.js";
import { corruptPgRecord } from "../../store-postgres/test/fault-injectors.js";
import { corruptRow, forkFixture } from "../../store-sqlite/test/helpers.js";
import { makeSession, PG_URL, pgQuery, pgStoreUrl, runCli, seed, skipPg, tempDir } from "./helpers.js";

/** Every damage the suite's `corrupt` hook can do, and the finding verify must report for it. */
const CORRUPTIONS: Record<CorruptionKind, string> = {
  truncate: "corrupt-record",
  garbage: "corrupt-record",
  "wrong-type": "corrupt-record",
  "future-version": "unknown-record-version",
};
const KINDS = Object.keys(CORRUPTIONS) as CorruptionKind[];
const HEALTHY = 6;
/** Sessions 0..3 get one corruption kind each; 4..HEALTHY+3 stay readable. */
const damagedId = (k: number) => makeSession(k, 0).session.id;
const GHOST = "session_ghost_writer";

interface Finding {
  kind: string;
  id: string | null;
  where: string;
}

async function verify(url: string, deep = false): Promise<{ code: number | null; findings: Finding[] }> {
  const run = await runCli(["--store", url, "--jsonl", "verify", ...(deep ? ["--deep"] : [])]);
  expect(run.stderr).toBe("");
  const findings = run.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Finding);
  return { code: run.code, findings };
}

const pairs = (findings: Finding[]) => findings.map((finding) => `${finding.kind} ${finding.id}`).sort();

/** Every readable session with its history: what repair must keep exactly. */
async function readable(store: SessionStore, ids: string[]) {
  return Promise.all(ids.map((id) => store.getWithHistory(id)));
}

const readableIds = Array.from({ length: HEALTHY }, (_, k) => makeSession(KINDS.length + k, 0).session.id);

/** The verify → repair --dry-run → repair → verify cycle every store goes through. */
async function cycle(
  url: string,
  expected: string[],
  snapshot: () => unknown,
  repairArgs: string[] = [],
  left: string[] = [],
): Promise<void> {
  const found = await verify(url, true);
  expect(found.code).toBe(3);
  expect(pairs(found.findings)).toEqual(expected.sort());
  const before = await snapshot();
  const dry = await runCli(["--store", url, "--json", "repair", "--dry-run", ...repairArgs]);
  expect(dry.code).toBe(3);
  const plan = JSON.parse(dry.stdout) as { dryRun: boolean; plan: Array<{ action: string }> };
  expect(plan.dryRun).toBe(true);
  expect(plan.plan.filter((step) => step.action === "manual").length).toBe(left.length);
  expect(await snapshot()).toEqual(before);
  const real = await runCli(["--store", url, "--json", "repair", ...repairArgs]);
  expect(real.code).toBe(left.length > 0 ? 3 : 0);
  expect(JSON.parse(real.stdout)).toEqual({ ...plan, dryRun: false });
  const after = await verify(url, true);
  expect({ code: after.code, findings: pairs(after.findings) }).toEqual({
    code: left.length > 0 ? 3 : 0,
    findings: left,
  });
  if (left.length > 0) return;
  const table = await runCli(["--store", url, "verify"]);
  expect(table.code).toBe(0);
  expect(table.stdout).toContain("clean");
}

describe("verify and repair on fs", () => {
  it("finds every injected fault by id, repair --dry-run changes nothing, repair makes it clean", async () => {
    const dir = join(tempDir(), "sessions");
    const store = createFsStore({ dir });
    await seed(store, KINDS.length + HEALTHY, 5);
    const kept = await readable(store, readableIds);
    await store.close();
    KINDS.forEach((kind, k) => {
      corruptFsRecord(dir, damagedId(k), kind);
    });
    const debrisOn = readableIds[0] as string;
    plantFsDebris(dir, debrisOn);
    plantFsDebris(dir, GHOST);
    // Index drift beyond the suite's hooks: a session directory removed behind the store's back.
    const vanished = makeSession(99, 0).session.id;
    const again = createFsStore({ dir });
    await again.importSession(makeSession(99, 2).session, makeSession(99, 2).events);
    await again.close();
    rmSync(join(dir, vanished), { recursive: true });

    const expected = [
      ...KINDS.map((kind, k) => `${CORRUPTIONS[kind]} ${damagedId(k)}`),
      `stale-lock ${debrisOn}`,
      `debris ${debrisOn}`,
      `debris ${debrisOn}`,
      `torn-tail ${debrisOn}`,
      `stale-lock ${GHOST}`,
      `debris ${GHOST}`,
      `index-drift ${vanished}`,
    ];
    const files = () => walk(dir);
    await cycle(`fs:${dir}`, expected, files);
    const reopened = createFsStore({ dir });
    try {
      expect(await readable(reopened, readableIds)).toEqual(kept);
      expect((await reopened.list({ limit: 100 })).corrupt).toEqual([]);
      expect(await reopened.count()).toBe(HEALTHY);
    } finally {
      await reopened.close();
    }
    // Quarantined, never deleted: every damaged session directory is kept aside.
    const quarantined = readdirSync(join(dir, ".sessionkit", "quarantine")).map((name) => name.split(".")[0]);
    expect(quarantined.sort()).toEqual(KINDS.map((_, k) => damagedId(k)).sort());
  });

  it("a seq gap in a readable log is reported by --deep and left to the operator (repair exits 3)", async () => {
    const dir = join(tempDir(), "sessions");
    const store = createFsStore({ dir });
    await seed(store, 2, 5);
    await store.close();
    const id = makeSession(1, 0).session.id;
    const log = join(dir, id, "log.jsonl");
    writeFileSync(log, readFileSync(log, "utf8").replace('"seq":3,', '"seq":4,'));
    expect((await verify(`fs:${dir}`)).code).toBe(0);
    const deep = await verify(`fs:${dir}`, true);
    expect(deep.code).toBe(3);
    expect(deep.findings.every((finding) => finding.id === id && finding.kind.startsWith("seq-"))).toBe(true);
    const repair = await runCli(["--store", `fs:${dir}`, "repair"]);
    expect(repair.code).toBe(3);
    expect(repair.stdout).toContain("manual");
    expect(repair.stderr).toContain("verify still finds");
  });
});

describe("verify and repair on sqlite", () => {
  it("finds every injected fault by id, repair --dry-run changes nothing, repair makes it clean", async () => {
    const filename = join(tempDir(), "sessions.db");
    const store = createSqliteStore({ filename });
    await seed(store, KINDS.length + HEALTHY, 5);
    const kept = await readable(store, readableIds);
    await store.close();
    KINDS.forEach((kind, k) => {
      corruptRow(filename, damagedId(k), kind);
    });
    // The suite's plantDebris: a writer SIGKILLed inside a transaction; SQLite rolls it back, so there
    // is nothing for verify to find and the session stays as it was.
    const writer = await forkFixture("lock-holder");
    await writer.request({ command: "open", file: filename });
    await writer.request({ command: "tear", id: readableIds[0] });
    await writer.kill();
    // Row drift beyond the suite's hooks: a column changed behind the store's back, and orphan events.
    const drifted = readableIds[1] as string;
    const db = new Database(filename);
    db.prepare("UPDATE sessions SET status = 'failed', iterations = 77 WHERE id = ?").run(drifted);
    db.prepare(
      "INSERT INTO events (session_id, seq, timestamp, type, data) VALUES ('session_orphan', 1, '2026-10-01T00:00:00.000Z', 'x', '{}')",
    ).run();
    db.close();

    const expected = [
      ...KINDS.map((kind, k) => `${CORRUPTIONS[kind]} ${damagedId(k)}`),
      `row-drift ${drifted}`,
      "row-drift session_orphan",
    ];
    const rows = () => {
      const raw = new Database(filename, { readonly: true });
      try {
        return [
          raw.prepare("SELECT * FROM sessions ORDER BY id").all(),
          raw.prepare("SELECT * FROM events ORDER BY session_id, seq").all(),
        ];
      } finally {
        raw.close();
      }
    };
    // A record of a newer release is left as it is on SQL stores (they refuse to delete it).
    const future = [`unknown-record-version ${damagedId(KINDS.indexOf("future-version"))}`];
    await cycle(`sqlite:${filename}`, expected, rows, [], future);
    const reopened = createSqliteStore({ filename });
    try {
      expect(await readable(reopened, readableIds)).toEqual(kept);
      expect(await reopened.count()).toBe(HEALTHY + 1); // the newer release's record stays
      expect((await reopened.list({ status: "failed", limit: 100 })).items.map((s) => s.id)).not.toContain(
        drifted,
      );
    } finally {
      await reopened.close();
    }
    const quarantined = readdirSync(`${filename}.quarantine`).map((name) => name.split(".")[0]);
    expect(quarantined.sort()).toEqual(
      KINDS.filter((kind) => kind !== "future-version")
        .map((kind) => damagedId(KINDS.indexOf(kind)))
        .sort(),
    );
  });

  it("sessions the store itself appended to (counter columns ahead of the record, store-sqlite schema 3) are clean, and repair keeps them", async () => {
    const filename = join(tempDir(), "sessions.db");
    const store = createSqliteStore({ filename });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { session } = await store.create({ mode: "m", task: `t${i}` });
      // Events-only commits and an iterations-only patch: the store rewrites columns, not the record.
      await store.commit(session.id, { events: [{ type: "note", data: { i } }] });
      const { session: after } = await store.commit(session.id, {
        events: [{ type: "note" }, { type: "x" }],
      });
      await store.commit(session.id, { expectedVersion: after.version, patch: { iterations: 5 } });
      ids.push(session.id);
    }
    const kept = await readable(store, ids);
    await store.close();
    for (const deep of [false, true]) {
      const found = await verify(`sqlite:${filename}`, deep);
      expect({ code: found.code, findings: pairs(found.findings) }).toEqual({ code: 0, findings: [] });
    }
    // A column changed behind the store's back on such a row is still drift, and repair rewrites it
    // from the newest state the store reads (record plus counter columns), losing no append.
    const drifted = ids[0] as string;
    const db = new Database(filename);
    db.prepare("UPDATE sessions SET mode = ? WHERE id = ?").run(JSON.stringify("tampered"), drifted);
    db.close();
    const found = await verify(`sqlite:${filename}`, true);
    expect(pairs(found.findings)).toEqual([`row-drift ${drifted}`]);
    const real = await runCli(["--store", `sqlite:${filename}`, "--json", "repair"]);
    expect(real.code, real.stderr).toBe(0);
    const reopened = createSqliteStore({ filename });
    try {
      expect(await readable(reopened, ids)).toEqual(kept);
    } finally {
      await reopened.close();
    }
    expect((await verify(`sqlite:${filename}`, true)).code).toBe(0);
  });

  it("a schema that differs from the migrations is schema-drift, left to the operator", async () => {
    const filename = join(tempDir(), "sessions.db");
    const store = createSqliteStore({ filename });
    await seed(store, 2, 2);
    await store.close();
    const db = new Database(filename);
    db.exec("DROP INDEX sessions_by_user; CREATE INDEX extra_by_task ON sessions (record)");
    db.close();
    const found = await verify(`sqlite:${filename}`);
    expect(found.code).toBe(3);
    expect(found.findings.map((finding) => `${finding.kind} ${finding.where}`).sort()).toEqual([
      "schema-drift index extra_by_task",
      "schema-drift index sessions_by_user",
    ]);
  });
});

describe.skipIf(skipPg)("verify and repair on postgres", () => {
  it("finds every injected fault by id, repair --dry-run changes nothing, repair makes it clean", async () => {
    const { url, schema } = pgStoreUrl("sk_cli_verify");
    const store = await openPostgresStore({ connectionString: PG_URL, max: 2 }, { schema });
    try {
      await seed(store, KINDS.length + HEALTHY, 5);
      const kept = await readable(store, readableIds);
      for (const [k, kind] of KINDS.entries()) await corruptPgRecord(PG_URL, schema, damagedId(k), kind);
      const drifted = readableIds[1] as string;
      await pgQuery(`UPDATE "${schema}".sessions SET status = 'failed', event_count = 9 WHERE id = $1`, [
        drifted,
      ]);
      const expected = [
        ...KINDS.map((kind, k) => `${CORRUPTIONS[kind]} ${damagedId(k)}`),
        `row-drift ${drifted}`,
      ];
      const rows = async () => [
        await pgQuery(`SELECT * FROM "${schema}".sessions ORDER BY id`),
        await pgQuery(`SELECT * FROM "${schema}".events ORDER BY session_id, seq`),
      ];
      const quarantine = join(tempDir(), "quarantine");
      const future = [`unknown-record-version ${damagedId(KINDS.indexOf("future-version"))}`];
      await cycle(url, expected, rows, ["--quarantine", quarantine], future);
      expect(await readable(store, readableIds)).toEqual(kept);
      const quarantined = readdirSync(quarantine).map((name) => name.split(".")[0]);
      expect(quarantined.sort()).toEqual(
        KINDS.filter((kind) => kind !== "future-version")
          .map((kind) => damagedId(KINDS.indexOf(kind)))
          .sort(),
      );
    } finally {
      await store.close();
    }
  });

  it("a schema that differs from the migrations is schema-drift, and verify leaves no trace on the server", async () => {
    const { url, schema } = pgStoreUrl("sk_cli_verify");
    const store = await openPostgresStore({ connectionString: PG_URL, max: 2 }, { schema });
    await store.close();
    await pgQuery(`DROP INDEX "${schema}".sessions_user_idx`);
    await pgQuery(`ALTER TABLE "${schema}".sessions ADD COLUMN note text`);
    const found = await verify(url);
    expect(found.code).toBe(3);
    expect(found.findings.map((finding) => `${finding.kind} ${finding.where}`).sort()).toEqual([
      "schema-drift column sessions.note",
      "schema-drift index sessions_user_idx",
    ]);
    const left = await pgQuery("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sk\\_verify\\_%'");
    expect(left).toEqual([]);
  });
});

/** Every path under `root` with its size (what a dry run must leave exactly as it was). */
function walk(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    out.push(`${path.slice(root.length)} ${stat.isDirectory() ? "dir" : stat.size}`);
    if (stat.isDirectory()) out.push(...walk(root, path));
  }
  return out.sort();
}
