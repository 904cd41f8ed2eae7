import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createSessionManager, type SessionManager, type SessionStore } from "@sessionkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Inspector, startInspector } from "../src/index.js";
import { seedSessions } from "./helpers/seed.js";
import { openTestStore, type StoreKind, type TestStore } from "./helpers/stores.js";

const CLAIMER = fileURLToPath(new URL("./helpers/claim-child.mjs", import.meta.url));

/** The real store, with its record reads counted (every other call passes straight through). */
function countingReads(store: SessionStore): { store: SessionStore; reads: () => number } {
  let reads = 0;
  const counted = new Set<PropertyKey>(["get", "getWithHistory", "readEvents"]);
  const wrapped = new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      if (!counted.has(key)) return value.bind(target);
      return (...args: unknown[]) => {
        reads += 1;
        return value.apply(target, args);
      };
    },
  });
  return { store: wrapped, reads: () => reads };
}

/** A child process claims `id` (a lease of an hour), then dies by SIGKILL: a dead owner, lease running. */
async function claimThenKill(kind: StoreKind, location: string, id: string): Promise<void> {
  const child = spawn(process.execPath, [CLAIMER, kind, location, id], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let said = "";
  child.stdout.setEncoding("utf8");
  for await (const chunk of child.stdout) {
    said += chunk;
    if (said.includes("claimed")) break;
  }
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

// fs is where reading each active row in full cost most (one record file each); SQLite for a second kind.
describe.each(["fs", "sqlite"] as const)("the stuck flag of the sessions list (%s)", (kind) => {
  let test: TestStore;
  let inspector: Inspector;
  let reads: () => number;
  let manager: SessionManager;
  const ids: Record<"expired" | "farHeld" | "held" | "dead" | "pausedExpired" | "unowned", string> =
    {} as never;

  beforeAll(async () => {
    test = openTestStore(kind);
    await seedSessions(test.store, test.clock, 10);
    const active = (await test.store.list({ status: "active" })).items.map((item) => item.id);
    expect(active.length).toBeGreaterThanOrEqual(1);
    // A live owner: this process, its lease running (the manager stays open: close() releases).
    manager = createSessionManager({ store: test.store, clock: test.clock });
    ids.held = (await manager.start({ task: "held here", mode: "developer" })).id;
    await manager.claim(ids.held, { leaseMs: 3_600_000 });
    ids.dead = (await manager.start({ task: "owner killed", mode: "developer" })).id;
    await claimThenKill(kind, test.location!, ids.dead);
    ids.unowned = active[0]!;
    // Owners on another host (only their lease tells): one lapsed, one running; and a paused session
    // whose lease ended long ago (only an active session can be stuck).
    const far = {
      id: "owner_far",
      host: "elsewhere.invalid",
      pid: 1,
      startedAt: "2020-01-01T00:00:00.000Z",
      generation: 1,
    };
    const now = test.clock.now();
    const at = (ms: number) => new Date(now + ms).toISOString();
    const create = async (status: "active" | "paused", leaseUntil: string) =>
      (await test.store.create({ task: `far ${status}`, mode: "planner", status, owner: far, leaseUntil }))
        .session.id;
    ids.expired = await create("active", at(-1));
    ids.farHeld = await create("active", at(60_000));
    ids.pausedExpired = await create("paused", at(-86_400_000));
    const counting = countingReads(test.store);
    reads = counting.reads;
    inspector = await startInspector({ store: counting.store });
  });
  afterAll(async () => {
    await inspector?.close();
    await manager?.close();
    await test?.dispose();
  });

  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${inspector.port}/api${path}`, {
      headers: { authorization: `Bearer ${inspector.token}` },
    });
    expect(response.status, path).toBe(200);
    return response.json() as Promise<{
      items: Array<{ id: string; owner?: { id: string; pid: number }; leaseUntil?: string }>;
      stuck: Array<{ id: string; reason: string }>;
    }>;
  };

  it("flags expired leases and dead owners, not running leases, unowned or paused sessions", async () => {
    const page = await get("/sessions?limit=200");
    expect(page.items.map((item) => item.id)).toEqual(expect.arrayContaining(Object.values(ids)));
    expect(page.stuck).toEqual(
      [
        { id: ids.expired, reason: "lease_expired" },
        { id: ids.dead, reason: "owner_gone" },
      ].sort(
        (a, b) => page.items.findIndex((i) => i.id === a.id) - page.items.findIndex((i) => i.id === b.id),
      ),
    );
    // The summaries carry owner and lease as stored, so the page shows them without a record read.
    const byId = new Map(page.items.map((item) => [item.id, item]));
    for (const id of [ids.expired, ids.farHeld, ids.held, ids.dead, ids.pausedExpired]) {
      const stored = (await test.store.get(id))!;
      expect(byId.get(id)?.owner).toEqual(stored.owner);
      expect(byId.get(id)?.leaseUntil).toBe(stored.leaseUntil);
    }
    expect(byId.get(ids.dead)?.owner?.id).toBe("owner_child");
    expect(byId.get(ids.unowned)?.owner).toBeUndefined();
  });

  it("reads no record for the flags, whatever the page size and filter", async () => {
    const before = reads();
    await get("/sessions?limit=200");
    await get("/sessions?status=active&limit=25");
    await get("/sessions?status=active,paused&limit=3");
    expect(reads() - before).toBe(0);
  });

  it("shows the same reason on the session screen's state", async () => {
    for (const [id, reason] of [
      [ids.expired, "lease_expired"],
      [ids.dead, "owner_gone"],
      [ids.held, undefined],
      [ids.farHeld, undefined],
      [ids.pausedExpired, undefined],
    ] as const) {
      const response = await fetch(`http://127.0.0.1:${inspector.port}/api/sessions/${id}`, {
        headers: { authorization: `Bearer ${inspector.token}` },
      });
      const body = (await response.json()) as { ownership: { stuck?: string } };
      expect(body.ownership.stuck, id).toBe(reason);
    }
  });
});
