import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  canonicalExportLine,
  createManualClock,
  createMemoryStore,
  createSessionManager,
  type SessionManager,
} from "../src/index.js";
import { codeOf } from "./outcome.js";

const DAY = 86_400_000;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function setup(retention?: Parameters<typeof createSessionManager>[0]["retention"]) {
  const clock = createManualClock("2026-01-01T00:00:00.000Z");
  const store = createMemoryStore({ clock });
  const manager: SessionManager = createSessionManager({ store, ...(retention ? { retention } : {}) });
  cleanups.push(() => manager.close({ timeoutMs: 100 }));
  return { clock, store, manager };
}

describe("retention policies and applyRetention", () => {
  it("bytes is the UTF-8 size of the removed sessions' canonical export lines (hostile strings, unsorted keys, nested nulls)", async () => {
    const { clock, store, manager } = setup();
    const lines: string[] = [];
    for (const text of ["plain", "é漢字🙂", "lone \ud800 high", 'nul \u0000 and "quote"', ""]) {
      const s = await manager.start({ task: text, mode: "m" });
      await manager.updateContext(s.id, {
        z: [1, null, { b: text, a: -0 }],
        a: { "\ud83d": text, "": 1.5e-7 },
      });
      await manager.addEvent(s.id, "custom", { zz: text, aa: [true, false, null], mm: { y: 2, x: 1 } });
      await manager.complete(s.id, text);
    }
    clock.advance(8 * DAY);
    for (const summary of (await store.list()).items) {
      const { history, ...session } = (await store.getWithHistory(summary.id))!;
      lines.push(canonicalExportLine({ session, events: history }));
    }
    const expected = lines.reduce((sum, line) => sum + Buffer.byteLength(line, "utf8"), 0);
    const policies = [{ when: { olderThan: "7d" }, action: "delete" as const }];
    const dry = await manager.applyRetention({ dryRun: true, policies });
    expect(dry.removed).toHaveLength(5);
    expect(dry.bytes).toBe(expected);
    expect((await manager.applyRetention({ policies })).bytes).toBe(expected);
  });

  it("dry-run and real-run parity on 10,000 sessions with mixed statuses, ages, modes, expiries and holds", {
    timeout: 180_000,
  }, async () => {
    const { clock, store, manager } = setup([
      { when: { status: "failed", olderThan: "3d" }, action: "delete" },
      { when: { mode: "chat", olderThan: "7d" }, action: "delete" },
      { when: { status: ["paused"], olderThan: "30d" }, action: "delete" },
    ]);
    const ids: string[] = [];
    const N = 10_000;
    const start = clock.now();
    for (let i = 0; i < N; i++) {
      // Every 11th session carries its own expiry, spread over the 40 days (half of them passed).
      const expiresAt = i % 11 === 0 ? new Date(start + (i / N) * 80 * DAY).toISOString() : undefined;
      const s = await manager.start({
        task: `t${i}`,
        mode: i % 2 ? "chat" : "code",
        ...(expiresAt === undefined ? {} : { expiresAt }),
      });
      const end = i % 5;
      if (end === 0) await manager.complete(s.id, "ok");
      if (end === 1) await manager.fail(s.id, "no");
      if (end === 2) await manager.pause(s.id, "later");
      if (i % 7 === 0) await manager.hold(s.id, { reason: "keep" });
      ids.push(s.id);
      // 10,000 sessions spread over 40 days of last changes.
      clock.advance((40 * DAY) / N);
    }
    // The oracle: the policies applied by hand to what the store holds.
    const nowMs = clock.now();
    const older = (updatedAt: string, days: number) => Date.parse(updatedAt) < nowMs - days * DAY;
    const expected: string[] = [];
    const expectedHeld: string[] = [];
    for (const id of ids) {
      const s = (await store.get(id))!;
      const terminal = ["completed", "failed", "timeout"].includes(s.status);
      const matches =
        (s.status === "failed" && older(s.updatedAt, 3)) ||
        (s.mode === "chat" && terminal && older(s.updatedAt, 7)) ||
        (s.status === "paused" && older(s.updatedAt, 30)) ||
        (s.expiresAt !== undefined && Date.parse(s.expiresAt) <= nowMs);
      if (matches) (s.hold ? expectedHeld : expected).push(id);
    }
    const dry = await manager.applyRetention({ dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.removed).toEqual(expected.sort());
    expect(dry.held).toEqual(expectedHeld.sort());
    const real = await manager.applyRetention();
    expect(real.removed).toEqual(dry.removed);
    expect(real.held).toEqual(dry.held);
    expect(real.bytes).toBe(dry.bytes);
    expect(real.changed).toEqual([]);
    expect(dry.removed.length).toBeGreaterThan(0);
    expect(dry.held.length).toBeGreaterThan(0);
    for (const id of real.held) expect((await store.get(id))?.hold).toBeDefined();
    for (const id of real.removed) expect(await store.get(id)).toBeNull();
    // Nothing active was touched (no policy names it) unless it had expired, nor anything not matched.
    const activeLeft = ids.filter((id, i) => i % 5 >= 3 && !real.removed.includes(id)).length;
    expect(await store.count({ status: "active" })).toBe(activeLeft);
    expect(activeLeft).toBeLessThan(4000);
    expect(real.removed.filter((id) => ids.indexOf(id) % 5 >= 3).length).toBe(4000 - activeLeft);
    expect(await manager.applyRetention({ dryRun: true })).toMatchObject({ removed: [] });
  });

  it("ages are measured from the last change; active and paused sessions are untouched unless a policy names them", async () => {
    const { clock, manager } = setup();
    const old = await manager.start({ task: "old", mode: "m" });
    await manager.complete(old.id, "ok");
    const running = await manager.start({ task: "running", mode: "m" });
    clock.advance(8 * DAY);
    const fresh = await manager.start({ task: "fresh", mode: "m" });
    await manager.complete(fresh.id, "ok");
    const policies = [{ when: { olderThan: "7d" }, action: "delete" as const }];
    expect(await manager.applyRetention({ dryRun: true, policies })).toMatchObject({ removed: [old.id] });
    expect(
      await manager.applyRetention({
        dryRun: true,
        policies: [{ when: { status: "active", olderThan: "7d" }, action: "delete" }],
      }),
    ).toMatchObject({ removed: [running.id] });
    expect(
      await codeOf(manager.applyRetention({ policies: [{ when: { olderThan: "soon" }, action: "delete" }] })),
    ).toBe("ERR_INVALID_INPUT");
  });

  it("a per-session expiresAt: set at start or later, removed after it in any status, holds win, dry run reports it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "retention-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const archivePath = join(dir, "expired.jsonl");
    const { clock, store, manager } = setup();
    const atStart = await manager.start({ task: "a", mode: "m", expiresAt: "2026-01-02T00:00:00.000Z" });
    const later = await manager.start({ task: "b", mode: "m" });
    const set = await manager.setExpiry(later.id, new Date("2026-01-03T00:00:00.000Z"));
    expect(set.expiresAt).toBe("2026-01-03T00:00:00.000Z");
    expect((await store.readEvents(later.id)).at(-1)).toMatchObject({
      type: "expiry",
      data: { expiresAt: "2026-01-03T00:00:00.000Z" },
    });
    // The same instant again changes nothing (no event, same version).
    expect((await manager.setExpiry(later.id, "2026-01-03T00:00:00.000Z")).version).toBe(set.version);
    const cleared = await manager.start({ task: "c", mode: "m", expiresAt: "2026-01-02T00:00:00.000Z" });
    expect((await manager.setExpiry(cleared.id, null)).expiresAt).toBeUndefined();
    const held = await manager.start({ task: "d", mode: "m", expiresAt: "2026-01-02T00:00:00.000Z" });
    await manager.hold(held.id, { reason: "litigation" });
    const paused = await manager.start({ task: "e", mode: "m", expiresAt: "2026-01-02T12:00:00.000Z" });
    await manager.pause(paused.id, "waiting");
    expect(await manager.applyRetention({ dryRun: true })).toMatchObject({ removed: [] });
    clock.advance(DAY);
    // Exactly at the instant counts as passed; the active session goes too (it asked for it).
    expect(await manager.applyRetention({ dryRun: true })).toMatchObject({
      removed: [atStart.id],
      held: [held.id],
    });
    clock.advance(2 * DAY);
    const expected = [atStart.id, later.id, paused.id].sort();
    const dry = await manager.applyRetention({ dryRun: true });
    expect(dry).toMatchObject({ removed: expected, held: [held.id], changed: [] });
    // A policy naming `expired` decides what happens to them: here archive, and only the paused one.
    const policies = [
      {
        when: { expired: true as const, status: "paused" as const },
        action: "archive" as const,
        archivePath,
      },
    ];
    const real = await manager.applyRetention({ policies });
    expect(real).toMatchObject({
      removed: expected,
      archived: [paused.id],
      held: [held.id],
      bytes: dry.bytes,
    });
    expect(JSON.parse(readFileSync(archivePath, "utf8").trim().split("\n")[1]!).session).toMatchObject({
      id: paused.id,
      expiresAt: "2026-01-02T12:00:00.000Z",
    });
    for (const id of expected) expect(await store.get(id)).toBeNull();
    expect(await store.get(held.id)).toMatchObject({ expiresAt: "2026-01-02T00:00:00.000Z" });
    expect(await store.get(cleared.id)).not.toBeNull();
    expect(await codeOf(manager.setExpiry(held.id, "tomorrow"))).toBe("ERR_INVALID_INPUT");
    expect(
      await codeOf(
        manager.applyRetention({ policies: [{ when: { status: "completed" }, action: "delete" }] }),
      ),
    ).toBe("ERR_INVALID_INPUT");
  });

  it("archive appends the session and its history as export JSON Lines before deleting it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "retention-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const archivePath = join(dir, "archive.jsonl");
    const { clock, store, manager } = setup([{ when: { olderThan: "1d" }, action: "archive", archivePath }]);
    const s = await manager.start({ task: "keep a copy", mode: "m" });
    await manager.recordToolCall(s.id, "shell", { cmd: "ls" }, "ok");
    const done = await manager.complete(s.id, "ok");
    clock.advance(2 * DAY);
    const result = await manager.applyRetention();
    expect(result).toMatchObject({ removed: [s.id], archived: [s.id] });
    expect(await store.get(s.id)).toBeNull();
    const [header, line] = readFileSync(archivePath, "utf8").trim().split("\n");
    expect(JSON.parse(header!)).toMatchObject({ format: "sessionkit-export" });
    const record = JSON.parse(line!);
    expect(record.session).toMatchObject({ id: s.id, status: "completed", version: done.version });
    expect(record.events.map((e: { type: string }) => e.type)).toEqual(["start", "tool_call", "complete"]);
    expect(
      await codeOf(manager.applyRetention({ policies: [{ when: { olderThan: 0 }, action: "archive" }] })),
    ).toBe("ERR_INVALID_INPUT");
  });
});
