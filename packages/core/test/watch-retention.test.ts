import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../src/index.js";

describe("memory store change-log retention", () => {
  it("keeps the newest maxLength changes (a little more between trims), however many commits", async () => {
    const store = createMemoryStore({ changeLog: { maxLength: 50 } });
    const { session } = await store.create({ mode: "m", task: "t" });
    for (let k = 0; k < 1_000; k++) await store.commit(session.id, { events: [{ type: "e" }] });
    // Read back from "start": only the kept suffix, gap-free, ending at the last commit.
    const seqs: number[] = [];
    for await (const item of store.watch({}, { since: "start" })) {
      seqs.push(item.event!.seq);
      if (item.event!.seq === 1_000) break;
    }
    expect(seqs.length).toBeGreaterThanOrEqual(50);
    expect(seqs.length).toBeLessThanOrEqual(50 + Math.ceil(50 / 8));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => 1_001 - seqs.length + k));
    await store.close();
  });

  it("refuses a changeLog.maxLength that is not a positive integer with ERR_INVALID_INPUT", () => {
    for (const maxLength of [0, -1, 1.5, Number.NaN]) {
      expect(() => createMemoryStore({ changeLog: { maxLength } })).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_INPUT" }),
      );
    }
  });
});
