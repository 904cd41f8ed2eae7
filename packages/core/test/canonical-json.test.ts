import { describe, expect, it } from "vitest";
import { canonicalEventJson, canonicalJson, canonicalSessionJson } from "../src/driver-entry.js";
import { createMemoryStore, exportSessions, importSessions } from "../src/index.js";

describe("canonical JSON", () => {
  it("sorts keys at every level by UTF-16 code units and writes scalars as JSON.stringify does", () => {
    const value = JSON.parse(
      '{"b":1,"10":[{"z":null,"a":"\\ud800"}],"2":-0,"__proto__":{"y":1,"x":2},"é":true}',
    );
    expect(canonicalJson(value)).toBe(
      '{"10":[{"a":"\\ud800","z":null}],"2":0,"__proto__":{"x":2,"y":1},"b":1,"é":true}',
    );
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it("writes a session's fields in the data model's order, unknown ones sorted after", async () => {
    const store = createMemoryStore();
    const { session, events } = await store.create(
      { mode: "m", task: "t", context: { b: 1, a: 2 } },
      { events: [{ type: "start", data: { y: 1, x: 2 } }] },
    );
    const text = canonicalSessionJson({ ...session, zz: 1, aa: 2 } as never);
    expect(Object.keys(JSON.parse(text))).toEqual([
      "id",
      "mode",
      "task",
      "status",
      "createdAt",
      "updatedAt",
      "iterations",
      "maxIterations",
      "context",
      "version",
      "eventCount",
      "aa",
      "zz",
    ]);
    expect(text).toContain('"context":{"a":2,"b":1}');
    expect(canonicalEventJson(events[0]!)).toBe(
      `{"seq":1,"timestamp":"${events[0]!.timestamp}","type":"start","data":{"x":2,"y":1}}`,
    );
  });

  it("an owned session (owner, lease, operations) exports and imports", async () => {
    const from = createMemoryStore();
    const { session } = await from.create({ mode: "m", task: "t" });
    await from.commit(session.id, {
      patch: {
        owner: { id: "w", host: "h", pid: 1, startedAt: session.createdAt, generation: 1 },
        leaseUntil: session.createdAt,
        operations: { op: { digest: "d", version: 2 } },
      },
    });
    const lines: string[] = [];
    for await (const line of exportSessions(from)) lines.push(line);
    const to = createMemoryStore();
    expect(await importSessions(to, lines)).toEqual({ sessions: 1, events: 0 });
    expect(await to.get(session.id)).toEqual(await from.get(session.id));
  });
});
