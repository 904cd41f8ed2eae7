import { describe, expect, it } from "vitest";
import type { OperationRecord } from "../src/model.js";
import { OPERATION_ID_RETENTION, trimOperations } from "../src/operation-results.js";

/** The retention written the slow, obvious way: sort by version, keep the newest. */
function reference(map: Record<string, OperationRecord>, reserve?: string): Record<string, OperationRecord> {
  const out: Record<string, OperationRecord> = {};
  const ids = Object.keys(map)
    .filter((id) => id !== "start" && id !== reserve)
    .sort((a, b) => map[b]!.version - map[a]!.version);
  const room = OPERATION_ID_RETENTION - (reserve === undefined ? 0 : 1);
  const slots = 8 - (reserve === undefined ? 0 : 1);
  let kept = 0;
  for (const id of ids.slice(0, room)) {
    const entry = map[id]!;
    if (entry.result !== undefined && kept++ >= slots)
      out[id] = { digest: entry.digest, version: entry.version };
    else out[id] = entry;
  }
  for (const id of ["start", reserve]) if (id !== undefined && map[id] !== undefined) out[id] = map[id]!;
  return out;
}

describe("trimOperations", () => {
  it("keeps the newest 128 ids besides start and results on the newest 8, like a full sort, for full maps one over and far over (500 random maps)", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 500; round++) {
      const size = 120 + Math.floor(random() * 20) + (round % 50 === 0 ? 100 : 0);
      const versions = Array.from({ length: size }, (_, k) => k + 2).sort(() => random() - 0.5);
      const map: Record<string, OperationRecord> = { start: { digest: "s", version: 1 } };
      for (const [k, version] of versions.entries()) {
        const withResult = random() < 0.08 || k < 2;
        map[`op-${k}`] = withResult
          ? { digest: "d", version, result: { version } as never }
          : { digest: "d", version };
      }
      const reserve = round % 2 === 0 ? `op-${versions.indexOf(Math.max(...versions))}` : undefined;
      const expected = reference(map, reserve);
      trimOperations(map, reserve);
      expect(map).toEqual(expected);
    }
  });
});
