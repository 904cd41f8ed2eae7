import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createFsStore } from "@sessionkit/store-fs";
import { openRedisClient, scanStoreKeys } from "@sessionkit/store-redis";
import { afterAll, describe, expect, it } from "vitest";
import { splitRedisUrl } from "../src/stores.js";
import { runCli, seed, startUi, tempDir } from "./helpers.js";

/** The Redis server of this machine (start one with `redis-server --daemonize yes`). */
const REDIS_URL = process.env.SESSIONKIT_REDIS_URL ?? "redis://127.0.0.1:6379";

/** PING with a short deadline: null when the server answers, else why not. */
async function probe(): Promise<string | null> {
  const client = openRedisClient(REDIS_URL);
  try {
    const deadline = new Promise((_, reject) => setTimeout(reject, 3_000, new Error("no answer in 3 s")));
    await Promise.race([client.ping(), deadline]);
    return null;
  } catch (error) {
    return `Redis not reachable at ${REDIS_URL} (${(error as Error).message})`;
  } finally {
    client.disconnect();
  }
}

const unreachable = await probe();
/** One key prefix per run, removed after the file's tests (with the one the isolation check uses). */
const prefix = `sk_cli_test_${randomBytes(5).toString("hex")}`;
const other = `${prefix}_other`;
const storeUrl = `${REDIS_URL}/0?prefix=${prefix}`;

afterAll(async () => {
  if (unreachable !== null) return;
  const client = openRedisClient(REDIS_URL);
  try {
    for (const p of [prefix, other]) {
      const keys = await scanStoreKeys(client, p);
      if (keys.length > 0) await client.unlink(...keys);
    }
  } finally {
    client.disconnect();
  }
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const jsonLines = <T>(text: string) =>
  text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as T);
/** The lines of an export after its header (which names the source store and the time). */
const body = (text: string) => text.trim().split("\n").slice(1).join("\n");

describe("redis:// URLs", () => {
  it("?prefix= is taken out of the URL for the store; the rest is the client's", () => {
    expect(splitRedisUrl("redis://:pw@h:6380/2?prefix=app.s&family=6")).toEqual({
      url: "redis://:pw@h:6380/2?family=6",
      prefix: "app.s",
    });
    expect(splitRedisUrl("rediss://h").prefix).toBeUndefined();
    expect(() => splitRedisUrl("redis://h?prefix=a&prefix=b")).toThrow(/one \?prefix=/);
  });
});

describe.runIf(unreachable === null)("the binary on a real Redis with a key prefix", () => {
  it("import, list, show, stats, export and verify through redis://…?prefix=, isolated from other prefixes", async () => {
    const dir = join(tempDir(), "sessions");
    const source = createFsStore({ dir });
    await seed(source, 12, 6);
    await source.close();
    const exported = await runCli(["--store", `fs:${dir}`, "export"]);
    expect(exported.code).toBe(0);

    const imported = await runCli(["--store", storeUrl, "--json", "import"], { input: exported.stdout });
    expect(imported.stderr).toBe("");
    expect(JSON.parse(imported.stdout)).toEqual({ imported: 12, skipped: 0, events: 72 });
    const client = openRedisClient(REDIS_URL);
    try {
      expect((await scanStoreKeys(client, prefix)).length).toBeGreaterThan(12);
    } finally {
      client.disconnect();
    }

    const page = ["--limit", "5", "--status", "active"];
    const listed = await runCli(["--store", storeUrl, "--jsonl", "list", ...page]);
    expect(listed.code).toBe(0);
    const rows = jsonLines<{ id: string; status: string }>(listed.stdout);
    expect(rows.map((row) => row.id)).toEqual(["session_t000010", "session_t000005", "session_t000000"]);
    expect(rows.every((row) => row.status === "active")).toBe(true);

    const shown = await runCli(["--store", storeUrl, "--json", "show", "session_t000003", "--events"]);
    expect(shown.code).toBe(0);
    const detail = JSON.parse(shown.stdout) as {
      session: { id: string; eventCount: number };
      events: unknown[];
    };
    expect(detail.session.id).toBe("session_t000003");
    expect(detail.events).toHaveLength(6);

    const stats = await runCli(["--store", storeUrl, "--json", "stats"]);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ total: 12, events: 72 });

    const back = await runCli(["--store", storeUrl, "export"]);
    expect(back.code).toBe(0);
    expect(sha256(body(back.stdout))).toBe(sha256(body(exported.stdout)));

    const verified = await runCli(["--store", storeUrl, "verify"]);
    expect(verified.code).toBe(0);

    const elsewhere = await runCli(["--store", `${REDIS_URL}/0?prefix=${other}`, "--json", "stats"]);
    expect(JSON.parse(elsewhere.stdout)).toMatchObject({ total: 0 });
  });

  it("sessionkit ui serves a redis:// store", async () => {
    const { child, url } = await startUi(["--store", storeUrl, "ui"]);
    const token = new URL(url).searchParams.get("token")!;
    const list = await fetch(`${new URL(url).origin}/api/sessions`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(list.status).toBe(200);
    const items = ((await list.json()) as { items: Array<{ id: string }> }).items;
    expect(items.map((item) => item.id)).toContain("session_t000011");
    child.kill("SIGTERM");
    expect(await new Promise((resolve) => child.once("exit", resolve))).toBe(0);
  });

  it("a bad prefix is a one-line usage error and writes nothing", async () => {
    const run = await runCli(["--store", `${REDIS_URL}/0?prefix=${encodeURIComponent("a b")}`, "list"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^error ERR_INVALID_INPUT: .*key prefix/);
  });
});

describe.runIf(unreachable !== null)("the binary without a Redis server", () => {
  it.skipIf(process.env.CI !== "true")(`needs Redis (skipped: ${unreachable})`, () => {
    throw new Error(`${unreachable}; CI=true requires it.`);
  });
});

// The README documents the URL form this file tests.
it("the CLI README documents redis:// with ?prefix=", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  expect(readme).toMatch(/redis:\/\/[^\s`]*\?prefix=/);
});
