import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Session, SessionEvent } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { describe, expect, it, vi } from "vitest";
import { codeOf, tempDir } from "./helpers.js";

/** Event data that a naive scan for brackets, commas or quotes would misread. */
const TRICKY = ['a "quoted" word', "back\\slash\\", '\\"', "{[,]}:", "ünïcødé ✓", "line\nbreak", ""];

function history(count: number): SessionEvent[] {
  const start = Date.parse("2026-01-01T00:00:00.000Z");
  return Array.from({ length: count }, (_, i) => ({
    seq: i + 1,
    timestamp: new Date(start + i).toISOString(),
    type: i % 3 === 0 ? "tool_call" : "message",
    data: {
      i,
      text: TRICKY[i % TRICKY.length] ?? "",
      nested: { list: [i, { k: TRICKY[(i + 1) % TRICKY.length] ?? "" }] },
    },
  }));
}

function imported(count: number): Session {
  const at = "2026-01-01T00:00:00.000Z";
  return {
    id: "session_long",
    userId: "u",
    mode: "m",
    task: "t",
    status: "active",
    createdAt: at,
    updatedAt: at,
    iterations: 0,
    maxIterations: 10,
    context: {},
    metadata: {},
    version: 1,
    eventCount: count,
  } as Session;
}

/** A store with one session: an imported history of `count` events (one log line), then `commits` commits. */
function longSession(count: number, commits: number) {
  const dir = tempDir();
  const store = createFsStore({ dir, durability: "none" }).sync();
  store.importSession(imported(count), history(count));
  for (let c = 0; c < commits; c++) {
    const size = c % 10 === 9 ? 600 : 1 + (c % 4); // now and then a line longer than a read chunk
    store.commit("session_long", {
      events: Array.from({ length: size }, (_, k) => ({
        type: "step",
        data: { c, k, text: TRICKY[k % 7] ?? "" },
      })),
    });
  }
  const log = join(dir, "session_long", "log.jsonl");
  return { dir, store, log };
}

/** Ranges over every kind of place: the start, inside the long line, across line ends, the tail. */
function ranges(total: number): Array<[number, number]> {
  const out: Array<[number, number]> = [
    [1, 1],
    [1, 500],
    [2, 3],
    [total - 1, 5],
    [total, 1],
    [1, total],
  ];
  let seed = 7;
  for (let r = 0; r < 60; r++) {
    seed = (seed * 48271) % 2147483647;
    out.push([1 + (seed % total), 1 + (seed % 700)]);
  }
  return out;
}

describe("store-fs readEvents by seq range reads only around the range", () => {
  it("every range of a 50,000-event imported history plus commits equals the same slice of the whole history", () => {
    const { store } = longSession(50_000, 400);
    const all = store.getWithHistory("session_long")?.history ?? [];
    expect(all.length).toBe(store.get("session_long")?.eventCount);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    for (const [fromSeq, limit] of ranges(all.length)) {
      expect(store.readEvents("session_long", { fromSeq, limit })).toEqual(
        all.slice(fromSeq - 1, fromSeq - 1 + limit),
      );
    }
    expect(store.readEvents("session_long", { fromSeq: all.length + 1 })).toEqual([]);
  });

  it("a torn tail after the committed end is not read as events", () => {
    const { store, log } = longSession(3000, 200);
    const all = store.getWithHistory("session_long")?.history ?? [];
    appendFileSync(log, '{"v":999999,"ev":[{"seq":999999,"timestamp":"x","type":"torn"');
    const fresh = createFsStore({ dir: join(log, "..", ".."), durability: "none" }).sync();
    for (const [fromSeq, limit] of ranges(all.length))
      expect(fresh.readEvents("session_long", { fromSeq, limit })).toEqual(
        all.slice(fromSeq - 1, fromSeq - 1 + limit),
      );
    expect(fresh.readEvents("session_long", { fromSeq: all.length, limit: 10 })).toHaveLength(1);
  });

  it("a late duplicate of a version does not replace the first line of that version", () => {
    const { store, log, dir } = longSession(3000, 200);
    const all = store.getWithHistory("session_long")?.history ?? [];
    const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
    // A writer paused past the stale time appends its line for a version already committed.
    const original = JSON.parse(lines[lines.length - 3] as string);
    const late = { ...original, ev: original.ev.map((e: SessionEvent) => ({ ...e, type: "late" })) };
    appendFileSync(log, `${JSON.stringify(late)}\n`);
    const fresh = createFsStore({ dir, durability: "none" }).sync();
    for (const [fromSeq, limit] of ranges(all.length))
      expect(fresh.readEvents("session_long", { fromSeq, limit })).toEqual(
        all.slice(fromSeq - 1, fromSeq - 1 + limit),
      );
    expect(fresh.readEvents("session_long", { last: 50 })).toEqual(all.slice(-50));
  });

  it("a damaged line inside the range is ERR_CORRUPT_RECORD, as a whole-history read reports it", async () => {
    const { store, log, dir } = longSession(3000, 200);
    const text = readFileSync(log, "utf8");
    const lines = text.split("\n");
    const index = 150;
    const damaged = lines[index] as string;
    const firstSeq = JSON.parse(damaged).ev[0].seq as number;
    lines[index] = damaged.replace('"seq":', '"seq":#');
    writeFileSync(log, lines.join("\n"));
    const fresh = createFsStore({ dir, durability: "none" }).sync();
    expect(store.get("session_long")?.eventCount).toBeGreaterThan(firstSeq);
    for (const read of [
      () => fresh.getWithHistory("session_long"),
      () => fresh.readEvents("session_long", { fromSeq: firstSeq, limit: 1 }),
      () => fresh.readEvents("session_long", { fromSeq: firstSeq - 2, limit: 5 }),
      () => fresh.readEvents("session_long", { fromSeq: 1 }),
    ])
      expect(await codeOf(read)).toBe("ERR_CORRUPT_RECORD");
  });
});

/** The longest text JSON.parse was given while `read` ran. */
function longestParse<T>(read: () => T): { value: T; longest: number } {
  const parse = JSON.parse;
  let longest = 0;
  const spy = vi
    .spyOn(JSON, "parse")
    .mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
      longest = Math.max(longest, text.length);
      return parse(text, reviver);
    });
  try {
    return { value: read(), longest };
  } finally {
    spy.mockRestore();
  }
}

describe("store-fs reads of the last events walk a long line instead of parsing it", () => {
  it("the last N events of an imported history parse only those events, with and without commits after it", () => {
    for (const commits of [0, 40]) {
      const { store, dir } = longSession(50_000, commits);
      const all = store.getWithHistory("session_long")?.history ?? [];
      const fresh = createFsStore({ dir, durability: "none" }).sync();
      for (const last of [1, 50, 500, 2_000]) {
        const { value, longest } = longestParse(() => fresh.readEvents("session_long", { last }));
        expect(value).toEqual(all.slice(-last));
        // The imported line is ~7.5 MB of JSON; a commit line of 600 events (parsed whole) ~66 KB.
        expect(longest, `last ${last} after ${commits} commits`).toBeLessThan(1024 * 1024);
      }
    }
  });

  it("a range inside the imported line parses only its events too", () => {
    const { store, dir } = longSession(50_000, 5);
    const all = store.getWithHistory("session_long")?.history ?? [];
    const fresh = createFsStore({ dir, durability: "none" }).sync();
    const { value, longest } = longestParse(() =>
      fresh.readEvents("session_long", { fromSeq: 25_001, limit: 500 }),
    );
    expect(value).toEqual(all.slice(25_000, 25_500));
    expect(longest).toBeLessThan(1024 * 1024);
  });
});
