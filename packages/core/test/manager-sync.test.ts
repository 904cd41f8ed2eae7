import { describe, expect, it } from "vitest";
import {
  applyOperationSync,
  createManualClock,
  createMemoryStore,
  createSessionManager,
} from "../src/index.js";

describe("applyOperationSync: the manager's decisions on a synchronous face", () => {
  it("a context update merges, records a `context` event, and agrees with the async manager", async () => {
    const clock = createManualClock("2026-11-24T10:00:00.000Z");
    const store = createMemoryStore({ clock });
    const manager = createSessionManager({ store, clock });
    const a = await manager.start({ task: "t", mode: "m", context: { keep: 1, drop: 2 } });
    const b = await manager.start({ task: "t", mode: "m", context: { keep: 1, drop: 2 } });
    const viaSync = applyOperationSync(
      store.sync(),
      a.id,
      { kind: "context", set: { next: "x" }, unset: ["drop"] },
      { clock },
    );
    const viaAsync = await manager.updateContext(b.id, { next: "x", drop: undefined });
    expect(viaSync.context).toEqual({ keep: 1, next: "x" });
    expect(viaSync.context).toEqual(viaAsync.context);
    const [syncEvent] = await store.readEvents(a.id, { last: 1 });
    const [asyncEvent] = await store.readEvents(b.id, { last: 1 });
    expect(syncEvent).toMatchObject({ type: "context", data: asyncEvent!.data });
  });

  it("past its deadline, the timeout is committed first and the update is refused", async () => {
    const clock = createManualClock("2026-11-24T10:00:00.000Z");
    const store = createMemoryStore({ clock });
    const manager = createSessionManager({ store, clock });
    const s = await manager.start({ task: "t", mode: "m", timeoutMs: 1000 });
    clock.advance(5000);
    expect(() =>
      applyOperationSync(store.sync(), s.id, { kind: "context", set: { a: 1 }, unset: [] }, { clock }),
    ).toThrow(expect.objectContaining({ code: "ERR_INVALID_TRANSITION" }));
    const after = await store.getWithHistory(s.id);
    expect(after?.status).toBe("timeout");
    expect(after?.history.at(-1)).toMatchObject({ type: "timeout", data: { reason: "deadline" } });
    expect(after?.context).toEqual({});
  });

  it("a missing session is ERR_SESSION_NOT_FOUND and nothing is written", () => {
    const store = createMemoryStore();
    expect(() =>
      applyOperationSync(
        store.sync(),
        "session_missing",
        { kind: "context", set: {}, unset: [] },
        { clock: store.clock },
      ),
    ).toThrow(expect.objectContaining({ code: "ERR_SESSION_NOT_FOUND" }));
    expect(store.sync().count()).toBe(0);
  });
});
