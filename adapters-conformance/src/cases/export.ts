import {
  canonicalExportLine,
  createManualClock,
  createMemoryStore,
  exportSessions,
  importSessions,
  type ManualClock,
  type SessionStore,
} from "@sessionkit/core";
import { expectDeepEqual, expectEqual, freshId, input, iso } from "../assertions.js";
import type { CaseDefinition } from "../case.js";

/** Every line of an export but its header (which names the source store and the export time). */
async function exported(store: SessionStore): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of exportSessions(store, { pageSize: 2 })) lines.push(line);
  return lines.slice(1);
}

/**
 * The same writes, with keys in scrambled orders at every level, owners, leases, operation ids,
 * pauses, results and errors: everything an export carries.
 */
async function writeAll(store: SessionStore, clock: ManualClock, ids: string[]): Promise<void> {
  const [a, b, c] = ids as [string, string, string];
  await store.create(
    input({
      id: a,
      workspace: "/w",
      userId: "u",
      context: { zeta: 1, alpha: { y: 2, x: 1 }, "10": "n", "2": "m", "": [{ d: 1, c: 2 }] },
      metadata: { team: "x", model: "m" },
      deadlineAt: "2027-01-01T00:00:00.000Z",
    }),
    { events: [{ type: "start", data: { z: 1, a: { b: [{ y: 1, x: 2 }] } } }] },
  );
  clock.advance(7);
  await store.commit(a, {
    patch: { status: "paused", pause: { reason: "r", at: iso(clock.now()) } },
    events: [{ type: "pause", data: { reason: "r" } }],
  });
  clock.advance(3);
  await store.create(
    input({
      status: "active",
      leaseUntil: "2026-03-01T12:05:00.000Z",
      operations: { "op-2": { version: 1, digest: "bb" }, "op-1": { digest: "aa", version: 1 } },
      owner: { generation: 1, startedAt: "2026-03-01T11:00:00.000Z", pid: 42, host: "h", id: "owner_x" },
      id: b,
    }),
  );
  clock.advance(5);
  await store.create(input({ id: c, status: "failed", error: "e", result: "r", endedAt: iso(clock.now()) }), {
    events: [{ type: "error", data: { error: "e" } }],
  });
}

/** SS-J-08: one canonical export, byte for byte, from every store. */
export const exportCases: CaseDefinition[] = [
  {
    id: "SS-J-08",
    group: "SS-J",
    title:
      "exports are canonical and byte-identical to the memory store's for the same writes, and survive export, import, export unchanged",
    async run({ open, ctx }) {
      const store = await open();
      const ids = [freshId("xa"), freshId("xb"), freshId("xc")];
      const referenceClock = createManualClock(ctx.clock.now());
      const reference = createMemoryStore({ clock: referenceClock });
      ctx.onCleanup(() => reference.close());
      await writeAll(store, ctx.clock, ids);
      await writeAll(reference, referenceClock, ids);
      const lines = await exported(store);
      expectEqual(lines.length, ids.length, "export lines after the header");
      lines.forEach((line, k) => {
        expectEqual(
          line,
          canonicalExportLine(JSON.parse(line)),
          `export line ${k + 1} is in the canonical form`,
        );
      });
      expectDeepEqual(
        lines,
        await exported(reference),
        "the export lines against the memory store's, byte for byte",
      );
      const again = createMemoryStore({ clock: createManualClock(ctx.clock.now()) });
      ctx.onCleanup(() => again.close());
      const header = JSON.stringify({
        format: "sessionkit-export",
        version: 1,
        exportedAt: iso(ctx.clock.now()),
        source: store.name,
      });
      await importSessions(again, [header, ...lines]);
      expectDeepEqual(await exported(again), lines, "the export of an imported export");
    },
  },
];
