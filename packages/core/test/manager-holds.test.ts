import { afterEach, describe, expect, it } from "vitest";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  type SessionManager,
} from "../src/index.js";
import { codeOf } from "./outcome.js";

const managers: SessionManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close({ timeoutMs: 100 });
});

const DAY = 86_400_000;

function setup() {
  const clock = createManualClock("2026-01-01T00:00:00.000Z");
  const store = createMemoryStore({ clock });
  const manager = createSessionManager({ store });
  managers.push(manager);
  return { clock, store, manager };
}

describe("legal holds", () => {
  it("hold and unhold commit the hold with an event in every status; listHolds lists held sessions", async () => {
    const { store, manager } = setup();
    const a = await manager.start({ task: "a", mode: "m" });
    const b = await manager.start({ task: "b", mode: "m" });
    await manager.complete(a.id, "done");
    const held = await manager.hold(a.id, { reason: "litigation 42", by: "legal" });
    expect(held.hold).toEqual({ reason: "litigation 42", by: "legal", at: "2026-01-01T00:00:00.000Z" });
    expect(held.status).toBe("completed");
    // The same hold again is a no-op.
    expect((await manager.hold(a.id, { reason: "litigation 42", by: "legal" })).version).toBe(held.version);
    expect((await manager.listHolds()).map((h) => [h.session.id, h.hold.reason])).toEqual([
      [a.id, "litigation 42"],
    ]);
    const released = await manager.unhold(a.id, "legal");
    expect(released.hold).toBeUndefined();
    expect((await manager.unhold(a.id)).version).toBe(released.version);
    expect(await manager.listHolds()).toEqual([]);
    expect((await store.readEvents(a.id)).map((e) => e.type).slice(-2)).toEqual(["hold", "unhold"]);
    expect((await manager.get(b.id))!.hold).toBeUndefined();
  });

  it("every delete path refuses or skips a held session, which stays intact; unheld it goes", async () => {
    const { clock, store, manager } = setup();
    const held = await manager.start({ task: "held", mode: "m" });
    const free = await manager.start({ task: "free", mode: "m" });
    await manager.complete(held.id, "ok");
    await manager.complete(free.id, "ok");
    await manager.hold(held.id, { reason: "audit" });
    const exported = (await store.getWithHistory(held.id))!;
    const { history, ...session } = exported;
    clock.advance(40 * DAY);

    expect(await codeOf(store.delete(held.id))).toBe("ERR_SESSION_HELD");
    expect(await codeOf(store.delete(held.id, { expectedVersion: exported.version }))).toBe(
      "ERR_SESSION_HELD",
    );
    expect(await codeOf(manager.delete(held.id))).toBe("ERR_SESSION_HELD");
    expect(() => store.sync().delete(held.id)).toThrow(expect.objectContaining({ code: "ERR_SESSION_HELD" }));
    const future = new Date(clock.now() + DAY).toISOString();
    expect(await store.prune({ olderThan: future, dryRun: true })).toMatchObject({ ids: [free.id] });
    expect(store.sync().prune({ olderThan: future, dryRun: true })).toMatchObject({ ids: [free.id] });
    expect(await manager.cleanup({ maxAgeDays: 30, dryRun: true })).toMatchObject({ ids: [free.id] });
    expect(await codeOf(store.importSession(session, history, { overwrite: true }))).toBe("ERR_SESSION_HELD");
    expect(await manager.cleanup({ maxAgeDays: 30 })).toMatchObject({ count: 1, ids: [free.id] });
    expect(await store.prune({ olderThan: future })).toMatchObject({ count: 0 });
    expect(await store.getWithHistory(held.id)).toEqual(exported);

    await manager.unhold(held.id);
    expect(await store.prune({ olderThan: new Date(clock.now() + DAY).toISOString() })).toMatchObject({
      ids: [held.id],
    });
    expect(await store.get(held.id)).toBeNull();
  });

  it("prune deletes unheld candidates one by one when some are held, re-checking each", async () => {
    const { clock, store, manager } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const s = await manager.start({ task: `t${i}`, mode: "m" });
      await manager.complete(s.id, "ok");
      if (i % 3 === 0) await manager.hold(s.id, { reason: "keep" });
      ids.push(s.id);
    }
    clock.advance(DAY);
    const cutoff = new Date(clock.now()).toISOString();
    const dry = await store.prune({ olderThan: cutoff, dryRun: true });
    const real = await store.prune({ olderThan: cutoff });
    const expected = ids.filter((_, i) => i % 3 !== 0).sort();
    expect(dry.ids).toEqual(expected);
    expect(real.ids).toEqual(expected);
    expect((await store.list({ limit: 100 })).items.map((s) => s.id).sort()).toEqual(
      ids.filter((_, i) => i % 3 === 0).sort(),
    );
  });
});
