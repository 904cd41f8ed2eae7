import { afterEach, describe, expect, it } from "vitest";
import {
  createManualClock,
  createMemoryStore,
  createSessionManager,
  type SessionManager,
  type SessionStore,
  TRANSITION_TABLE,
} from "../src/index.js";
import { codeOf } from "./outcome.js";

const managers: SessionManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close({ timeoutMs: 100 });
});

function setup() {
  const clock = createManualClock("2026-11-24T10:00:00.000Z");
  const store = createMemoryStore({ clock });
  const manager = createSessionManager({ store });
  managers.push(manager);
  return { clock, store, manager };
}

const types = async (store: SessionStore, id: string) => (await store.readEvents(id)).map((e) => e.type);

describe("awaiting input: requestInput and respond", () => {
  it("requestInput pauses a running session with reason awaiting_input and stores the request, with an input_requested event, in one commit", async () => {
    const { store, manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    const after = await manager.requestInput(s.id, {
      requestId: "approve-patch",
      kind: "approval",
      prompt: "Apply this patch?",
      payload: { diff: "+1 -1" },
      allowed: ["accept", "ignore"],
      tags: ["patch"],
    });
    expect(after).toMatchObject({
      status: "paused",
      pause: { reason: "awaiting_input" },
      version: s.version + 1,
      inputRequests: [
        {
          requestId: "approve-patch",
          kind: "approval",
          prompt: "Apply this patch?",
          payload: { diff: "+1 -1" },
          allowed: ["accept", "ignore"],
          tags: ["patch"],
          requestedAt: "2026-11-24T10:00:00.000Z",
        },
      ],
    });
    const [event] = await store.readEvents(s.id, { last: 1 });
    expect(event).toMatchObject({
      type: "input_requested",
      data: { request: { requestId: "approve-patch" } },
    });
    // Asking again under the same id is a retry: nothing changes.
    const again = await manager.requestInput(s.id, {
      requestId: "approve-patch",
      kind: "approval",
      prompt: "Apply this patch?",
      payload: { diff: "+1 -1" },
      allowed: ["accept", "ignore"],
      tags: ["patch"],
    });
    expect(again.version).toBe(after.version);
    expect(
      await codeOf(
        manager.requestInput(s.id, { requestId: "approve-patch", kind: "question", prompt: "other?" }),
      ),
    ).toBe("ERR_IDEMPOTENCY_CONFLICT");
  });

  it("respond resolves a request exactly once: the first answer commits input_received and reactivates; later responses return it and change nothing", async () => {
    const { store, manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.requestInput(s.id, { requestId: "q1", kind: "question", prompt: "Which branch?" });
    const first = await manager.respond(s.id, "q1", { action: "respond", value: "main" }, { by: "alice" });
    expect(first.first).toBe(true);
    expect(first.answer).toMatchObject({
      action: "respond",
      value: "main",
      by: "alice",
      outcome: "answered",
    });
    expect(first.session.status).toBe("active");
    expect(first.session.pause).toBeUndefined();
    expect(first.session.inputRequests).toBeUndefined();
    const version = first.session.version;
    const second = await manager.respond(s.id, "q1", { action: "respond", value: "dev" }, { by: "bob" });
    expect(second.first).toBe(false);
    expect(second.answer).toEqual(first.answer);
    expect(second.session.version).toBe(version);
    expect((await types(store, s.id)).filter((t) => t === "input_received")).toHaveLength(1);
  });

  it("50 concurrent responders to one request: exactly one resolution, every caller gets the first answer", async () => {
    const { store, manager } = setup();
    for (let round = 0; round < 20; round++) {
      const s = await manager.start({ task: `t${round}`, mode: "m" });
      await manager.requestInput(s.id, { requestId: "go", kind: "approval", prompt: "Go?" });
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          manager.respond(s.id, "go", { action: i % 2 ? "accept" : "ignore" }, { by: `user-${i}` }),
        ),
      );
      expect(results.filter((r) => r.first)).toHaveLength(1);
      const winner = results.find((r) => r.first)!.answer;
      for (const r of results) expect(r.answer).toEqual(winner);
      expect((await types(store, s.id)).filter((t) => t === "input_received")).toHaveLength(1);
    }
  });

  it("a session stays paused while other requests are open, or when the responder says so", async () => {
    const { manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.requestInput(s.id, { requestId: "a", kind: "approval", prompt: "A?" });
    await manager.requestInput(s.id, { requestId: "b", kind: "approval", prompt: "B?" });
    const one = await manager.respond(s.id, "a", { action: "accept" });
    expect(one.session.status).toBe("paused");
    expect(one.session.inputRequests?.map((r) => r.requestId)).toEqual(["b"]);
    const two = await manager.respond(s.id, "b", { action: "accept" }, { keepPaused: true });
    expect(two.session).toMatchObject({ status: "paused", pause: { reason: "awaiting_input" } });
    expect((await manager.resume(s.id)).status).toBe("active");
  });

  it("unknown, expired and disallowed responses are typed errors and change nothing", async () => {
    const { clock, manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.requestInput(s.id, {
      requestId: "soon",
      kind: "choice",
      prompt: "Pick",
      allowed: ["accept"],
      expiresAt: "2026-11-24T10:05:00.000Z",
    });
    const before = (await manager.get(s.id))!;
    expect(await codeOf(manager.respond(s.id, "nope", { action: "accept" }))).toBe("ERR_INPUT_NOT_FOUND");
    expect(await codeOf(manager.respond(s.id, "soon", { action: "edit" }))).toBe("ERR_INVALID_INPUT");
    clock.set("2026-11-24T10:05:00.000Z");
    expect(await codeOf(manager.respond(s.id, "soon", { action: "accept" }))).toBe("ERR_INPUT_EXPIRED");
    expect((await manager.get(s.id))!.version).toBe(before.version);
  });

  it("new work on a session with open requests fails with ERR_INPUT_PENDING unless forced", async () => {
    const { store, manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.requestInput(s.id, { requestId: "q", kind: "question", prompt: "?" });
    const version = (await manager.get(s.id))!.version;
    expect(await codeOf(manager.resume(s.id))).toBe("ERR_INPUT_PENDING");
    expect(await codeOf(manager.recordToolCall(s.id, "shell", {}))).toBe("ERR_INPUT_PENDING");
    expect((await manager.get(s.id))!.version).toBe(version);
    // Recording what happened is not new work; forcing starts work anyway.
    await manager.recordLearning(s.id, "asked the user");
    const forced = await manager.resume(s.id, undefined, { force: true });
    expect(forced.status).toBe("active");
    expect(await codeOf(manager.incrementIteration(s.id))).toBe("ERR_INPUT_PENDING");
    await manager.incrementIteration(s.id, {}, {}, { force: true });
    // A response to a request of an active session keeps it active.
    expect((await manager.respond(s.id, "q", { action: "respond", value: 1 })).session.status).toBe("active");
    expect(await types(store, s.id)).toEqual([
      "start",
      "input_requested",
      "learning",
      "resume",
      "iteration",
      "input_received",
    ]);
  });

  it("a finished session closes its open requests; requestInput and respond follow the transition table", async () => {
    const { manager } = setup();
    expect(TRANSITION_TABLE.request_input).toEqual({ active: "paused", paused: "paused" });
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.requestInput(s.id, { requestId: "q", kind: "question", prompt: "?" });
    const done = await manager.complete(s.id, "ok");
    expect(done.inputRequests).toBeUndefined();
    expect(await codeOf(manager.respond(s.id, "q", { action: "accept" }))).toBe("ERR_INVALID_TRANSITION");
    expect(await codeOf(manager.requestInput(s.id, { kind: "question", prompt: "?" }))).toBe(
      "ERR_INVALID_TRANSITION",
    );
  });

  it("an operationId makes requestInput idempotent: the same request id, one event", async () => {
    const { store, manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    const a = await manager.requestInput(s.id, { kind: "approval", prompt: "ok?" }, { operationId: "ask-1" });
    const b = await manager.requestInput(s.id, { kind: "approval", prompt: "ok?" }, { operationId: "ask-1" });
    expect(b.version).toBe(a.version);
    expect(a.inputRequests?.[0]?.requestId).toBe("input_ask-1");
    expect((await types(store, s.id)).filter((t) => t === "input_requested")).toHaveLength(1);
  });
});

describe("the sweeper expires input requests", () => {
  it("policy timeout (default): the session times out with input_expired and timeout events; a later response is ERR_INPUT_EXPIRED", async () => {
    const { clock, store, manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.requestInput(s.id, {
      requestId: "q",
      kind: "question",
      prompt: "?",
      expiresAt: "2026-11-24T11:00:00.000Z",
    });
    expect((await manager.sweep()).expired).toEqual([]);
    clock.set("2026-11-24T11:00:00.000Z");
    expect((await manager.sweep()).expired).toEqual([s.id]);
    expect((await manager.sweep()).expired).toEqual([]);
    const after = (await manager.get(s.id))!;
    expect(after).toMatchObject({ status: "timeout", endedAt: "2026-11-24T11:00:00.000Z" });
    expect(after.inputRequests).toBeUndefined();
    expect((await types(store, s.id)).slice(-2)).toEqual(["input_expired", "timeout"]);
    expect(await codeOf(manager.respond(s.id, "q", { action: "accept" }))).toBe("ERR_INVALID_TRANSITION");
  });

  it("policy respond: a default response resolves the request and reactivates the session", async () => {
    const { clock, manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.requestInput(s.id, {
      requestId: "q",
      kind: "approval",
      prompt: "?",
      expiresAt: "2026-11-24T10:01:00.000Z",
    });
    clock.advance(60_000);
    await manager.sweep({ inputExpiry: { respond: { action: "ignore" } } });
    const after = (await manager.get(s.id))!;
    expect(after.status).toBe("active");
    expect(after.inputAnswers?.q).toMatchObject({ action: "ignore", by: "sweeper", outcome: "expired" });
    expect(await codeOf(manager.respond(s.id, "q", { action: "accept" }))).toBe("ERR_INPUT_EXPIRED");
  });

  it("policy failed: the session fails naming the expired request", async () => {
    const { clock, manager } = setup();
    const s = await manager.start({ task: "t", mode: "m" });
    await manager.requestInput(s.id, {
      requestId: "q",
      kind: "approval",
      prompt: "?",
      expiresAt: "2026-11-24T10:01:00.000Z",
    });
    clock.advance(60_000);
    await manager.sweep({ inputExpiry: "failed" });
    expect(await manager.get(s.id)).toMatchObject({ status: "failed", error: "Input request q expired" });
  });
});

describe("store.listAwaitingInput (the inbox)", () => {
  it("lists sessions with open requests in the list order with cursors, filtered by user, channel, tag and expiry, against an oracle", async () => {
    const { clock, store, manager } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const s = await manager.start({
        task: `t${i}`,
        mode: "m",
        userId: `u${i % 3}`,
        channelId: `c${i % 2}`,
      });
      ids.push(s.id);
      if (i % 4 !== 0) {
        await manager.requestInput(s.id, {
          requestId: `r${i}`,
          kind: "approval",
          prompt: "?",
          tags: [i % 2 ? "odd" : "even"],
          ...(i % 5 === 0 ? { expiresAt: new Date(clock.now() + i * 1000).toISOString() } : {}),
        });
      }
      clock.advance(1000);
    }
    // One answered, one finished: neither is waiting any more.
    await manager.respond(ids[1]!, "r1", { action: "accept" });
    await manager.fail(ids[2]!, "gone");
    const all = await Promise.all(ids.map((id) => store.get(id)));
    const oracle = (keep: (i: number) => boolean, tag?: string, before?: string) =>
      all
        .map((s, i) => ({ s: s!, i }))
        .filter(({ s, i }) => keep(i) && (s.inputRequests ?? []).length > 0)
        .map(({ s }) => ({
          id: s.id,
          requests: (s.inputRequests ?? [])
            .filter(
              (r) =>
                (tag === undefined || r.tags?.includes(tag)) &&
                (before === undefined || (r.expiresAt !== undefined && r.expiresAt <= before)),
            )
            .map((r) => r.requestId),
        }))
        .filter((row) => row.requests.length > 0)
        .reverse();
    const walk = async (query: Record<string, unknown>) => {
      const rows: Array<{ id: string; requests: string[] }> = [];
      let cursor: string | null = null;
      do {
        const page = await store.listAwaitingInput({ ...query, limit: 7, cursor });
        for (const item of page.items)
          rows.push({ id: item.session.id, requests: item.requests.map((r) => r.requestId) });
        cursor = page.nextCursor;
      } while (cursor !== null);
      return rows;
    };
    expect(await walk({})).toEqual(oracle(() => true));
    expect(await walk({ userId: "u1" })).toEqual(oracle((i) => i % 3 === 1));
    expect(await walk({ userId: "u2", channelId: "c0" })).toEqual(oracle((i) => i % 3 === 2 && i % 2 === 0));
    expect(await walk({ tag: "odd" })).toEqual(oracle(() => true, "odd"));
    const before = new Date(clock.now()).toISOString();
    expect(await walk({ expiringBefore: before })).toEqual(oracle(() => true, undefined, before));
    // A cursor belongs to its query.
    const page = await store.listAwaitingInput({ limit: 2 });
    expect(await codeOf(store.listAwaitingInput({ tag: "odd", cursor: page.nextCursor }))).toBe(
      "ERR_INVALID_CURSOR",
    );
    expect(await codeOf(store.listAwaitingInput({ limit: 0 }))).toBe("ERR_INVALID_QUERY");
  });
});
