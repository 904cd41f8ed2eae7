import { describe, expect, it } from "vitest";
import {
  createMemoryStore,
  createSessionManager,
  type Session,
  type SessionNotification,
} from "../src/index.js";
import { managerFixture } from "./manager-fixture.js";
import { codeOf } from "./outcome.js";

const { fresh, track } = managerFixture();

function setup() {
  const { clock, store } = fresh();
  const manager = track(createSessionManager({ store }));
  const heard: string[] = [];
  manager.on("*", (n: SessionNotification) => heard.push(n.event));
  return { clock, store, manager, heard };
}

/** A session without its `operations` bookkeeping (a replay carries the current map). */
const withoutOperations = ({ operations: _, ...rest }: Session) => rest;

describe("idempotent replays return the first result", () => {
  it("a replay after later commits returns the first result: same version, same state", async () => {
    const { manager, store, heard } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    const first = await manager.addEvent(s.id, "note", { n: 1 }, { operationId: "op-1" });
    await manager.updateContext(s.id, { later: true });
    await manager.pause(s.id, "later");
    const replay = await manager.addEvent(s.id, "note", { n: 1 }, { operationId: "op-1" });
    expect(replay.version).toBe(first.version);
    expect(withoutOperations(replay)).toEqual(withoutOperations(first));
    expect(replay.operations).toEqual((await store.get(s.id))!.operations);
    expect(manager.sync().addEvent(s.id, "note", { n: 1 }, { operationId: "op-1" }).version).toBe(
      first.version,
    );
    expect(heard).toEqual(["start", "note", "context", "pause"]);
  });

  it("a no-op call with an operationId remembers its id: version + 1, no event, no notification", async () => {
    const { manager, store, heard } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    const resumed = await manager.resume(s.id, undefined, { operationId: "noop" });
    expect(resumed.version).toBe(s.version + 1);
    expect(resumed.eventCount).toBe(s.eventCount);
    await manager.pause(s.id);
    const replay = await manager.resume(s.id, undefined, { operationId: "noop" });
    expect(replay.version).toBe(resumed.version);
    expect(replay.status).toBe("active");
    expect((await store.get(s.id))!.status).toBe("paused");
    expect(heard).toEqual(["start", "pause"]);
  });

  it("results are kept for the last 8 operations; an older replay fails with ERR_OPERATION_REPLAYED and changes nothing", async () => {
    const { manager, store } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    for (let n = 0; n < 9; n++) await manager.addEvent(s.id, "note", { n }, { operationId: `op-${n}` });
    const operations = (await store.get(s.id))!.operations!;
    const kept = Object.keys(operations).filter((key) => operations[key]!.result !== undefined);
    expect(kept.sort()).toEqual(["op-1", "op-2", "op-3", "op-4", "op-5", "op-6", "op-7", "op-8"]);
    expect(operations["op-0"]).toEqual({ digest: expect.any(String), version: 2 });
    const before = await store.getWithHistory(s.id);
    const error = await manager
      .addEvent(s.id, "note", { n: 0 }, { operationId: "op-0" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "ERR_OPERATION_REPLAYED",
      details: { id: s.id, operationId: "op-0", version: 2 },
    });
    expect(await codeOf(manager.addEvent(s.id, "note", { n: 1 }, { operationId: "op-1" }))).toBe("resolved");
    expect(await store.getWithHistory(s.id)).toEqual(before);
  });

  it("a result over 16 KiB is not kept: its replay returns the session while it is still at that version", async () => {
    const { manager, store } = setup();
    const s = await manager.start({ task: "t", mode: "m", context: { big: "x".repeat(17_000) } });
    const first = await manager.addEvent(s.id, "note", {}, { operationId: "big" });
    expect((await store.get(s.id))!.operations!.big!.result).toBeUndefined();
    expect(await manager.addEvent(s.id, "note", {}, { operationId: "big" })).toEqual(first);
    await manager.addEvent(s.id, "other");
    expect(await codeOf(manager.addEvent(s.id, "note", {}, { operationId: "big" }))).toBe(
      "ERR_OPERATION_REPLAYED",
    );
  });

  it("the kept result never fails a commit near the record limit", async () => {
    const { clock } = fresh();
    const store = createMemoryStore({ clock, maxPayloadBytes: 8_000 });
    const manager = track(createSessionManager({ store }));
    const s = await manager.start({ task: "t", mode: "m", context: { fill: "x".repeat(5_000) } });
    const first = await manager.addEvent(s.id, "note", {}, { operationId: "near" });
    expect(first.operations!.near!.result).toBeUndefined();
  });
});
