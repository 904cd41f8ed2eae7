import assert from "node:assert/strict";
import { existsSync, lstatSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import {
  assertTyped,
  codeOf,
  expectCode,
  expectDeepEqual,
  expectEqual,
  freshId,
  input,
  iso,
} from "../assertions.js";
import type { CaseDefinition } from "../case.js";
import { withDeadline } from "../context.js";
import type { ConformanceContext, ConformanceHarness, CorruptionKind } from "../harness.js";

const DAMAGE: CorruptionKind[] = ["truncate", "garbage", "wrong-type"];

/** What storage holds: inspect()'s artifacts when the harness has it, and every path under ctx.dir with its size and mtime. */
async function storageSnapshot(harness: ConformanceHarness, ctx: ConformanceContext): Promise<unknown> {
  const files: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const stat = lstatSync(path);
      files.push(`${relative(ctx.dir, path)} ${entry.isDirectory() ? "dir" : stat.size} ${stat.mtimeMs}`);
      if (entry.isDirectory()) visit(path);
    }
  };
  if (existsSync(ctx.dir)) visit(ctx.dir);
  return { inspected: harness.inspect ? await harness.inspect(ctx) : null, files: files.sort() };
}

/** SS-CR: corrupt and foreign records fail closed. */
export const corruptCases: CaseDefinition[] = [
  {
    id: "SS-CR-01",
    group: "SS-CR",
    title:
      "a damaged record fails closed with ERR_CORRUPT_RECORD naming the id; list reports it; others are unaffected",
    requires: ["corrupt"],
    async run({ open, harness, ctx }) {
      const store = await open();
      const healthy = freshId("ok");
      await store.create(input({ id: healthy }), { events: [{ type: "start" }] });
      for (const kind of DAMAGE) {
        const id = freshId(kind.replace("-", ""));
        await store.create(input({ id }), { events: [{ type: "start" }] });
        await harness.corrupt!(ctx, id, kind);
        const error = await expectCode(store.get(id), "ERR_CORRUPT_RECORD", `get of a ${kind} record`);
        assert.ok(error.message.includes(id), `the error must name the id: ${error.message}`);
        await expectCode(
          store.getWithHistory(id),
          "ERR_CORRUPT_RECORD",
          `getWithHistory of a ${kind} record`,
        );
        await expectCode(
          store.commit(id, { events: [{ type: "x" }] }),
          "ERR_CORRUPT_RECORD",
          `commit to a ${kind} record`,
        );
        const page = await store.list({ limit: 1000 });
        assert.ok(!page.items.some((item) => item.id === id), `list returned a ${kind} record as if healthy`);
        assert.deepStrictEqual(
          page.corrupt.filter((entry) => entry.id === id).map((entry) => entry.code),
          ["ERR_CORRUPT_RECORD"],
          `list must report the ${kind} record in page.corrupt`,
        );
        expectEqual((await store.get(healthy))?.id, healthy, "(await store.get(healthy))?.id");
        await store.commit(healthy, { events: [{ type: "still-fine" }] });
        assert.equal(await store.delete(id), true, "a corrupt record must be deletable");
        expectEqual(await store.get(id), null, "store.get(id)");
        expectDeepEqual(
          (await store.list({ limit: 1000 })).corrupt,
          [],
          "(await store.list({ limit: 1000 })).corrupt",
        );
      }
      expectEqual((await store.get(healthy))?.eventCount, 4, "(await store.get(healthy))?.eventCount");
    },
  },
  {
    id: "SS-CR-02",
    group: "SS-CR",
    title: "a record from a newer schema is refused with ERR_UNSUPPORTED_RECORD_VERSION and left untouched",
    requires: ["corrupt"],
    async run({ open, harness, ctx }) {
      const store = await open();
      const id = freshId("future");
      await store.create(input({ id }));
      await harness.corrupt!(ctx, id, "future-version");
      await expectCode(store.get(id), "ERR_UNSUPPORTED_RECORD_VERSION", "get of a future record");
      await expectCode(
        store.commit(id, { patch: { task: "x" } }),
        "ERR_UNSUPPORTED_RECORD_VERSION",
        "commit to a future record",
      );
      const page = await store.list();
      expectDeepEqual(
        page.corrupt.map((entry) => [entry.id, entry.code]),
        [[id, "ERR_UNSUPPORTED_RECORD_VERSION"]],
        "page.corrupt.map((entry) => [entry.id, entry.code])",
      );
      await expectCode(
        store.get(id),
        "ERR_UNSUPPORTED_RECORD_VERSION",
        "get again (the record must be left as it was)",
      );
    },
  },
  {
    id: "SS-CR-03",
    group: "SS-CR",
    title:
      "a corrupt record can be repaired by importSession with overwrite; count, stats and prune keep working beside it",
    requires: ["corrupt"],
    async run({ open, harness, ctx }) {
      const store = await open();
      const id = freshId("repair");
      const other = freshId("other");
      const { session } = await store.create(input({ id, status: "completed" }), {
        events: [{ type: "start" }],
      });
      await store.create(input({ id: other, status: "completed" }));
      await harness.corrupt!(ctx, id, "garbage");
      for (const action of [
        () => store.count(),
        () => store.stats(),
        () => store.prune({ olderThan: 0, dryRun: true }),
      ]) {
        try {
          await action();
        } catch (error) {
          assertTyped(error, "count/stats/prune beside a corrupt record");
          assert.fail(`count/stats/prune must keep working beside a corrupt record, got ${codeOf(error)}`);
        }
      }
      const counted = await store.count();
      assert.ok(counted >= 1, `count() beside a corrupt record: expected at least 1, got ${counted}`);
      await store.importSession(
        { ...session, eventCount: 1 },
        [{ seq: 1, timestamp: session.createdAt, type: "start", data: {} }],
        { overwrite: true },
      );
      expectDeepEqual(await store.get(id), session, "store.get(id)");
      expectEqual(await store.count(), 2, "store.count()");
      ctx.clock.advance(1);
      expectDeepEqual(
        (await store.prune({ olderThan: iso(ctx.clock.now()) })).ids,
        [id, other].sort(),
        "(await store.prune({ olderThan: iso(ctx.clock.now()) })).ids",
      );
    },
  },
  {
    id: "SS-CR-04",
    group: "SS-CR",
    title:
      "debris of a crashed writer (temp and lock files) is never listed and never blocks the next writer",
    requires: ["plantDebris"],
    async run({ open, harness, ctx }) {
      const store = await open();
      const live = freshId("live");
      const ghost = freshId("ghost");
      await store.create(input({ id: live }), { events: [{ type: "start" }] });
      const before = { list: await store.list(), count: await store.count(), stats: await store.stats() };
      for (const target of [live, ghost]) {
        const untouched = await storageSnapshot(harness, ctx);
        await harness.plantDebris!(ctx, target);
        // A hook that plants nothing would let this case pass without testing anything.
        assert.notDeepStrictEqual(
          await storageSnapshot(harness, ctx),
          untouched,
          `plantDebris(ctx, ${target}) planted nothing: neither inspect() nor the files under ctx.dir changed`,
        );
      }
      expectDeepEqual(
        { list: await store.list(), count: await store.count(), stats: await store.stats() },
        before,
        "{ list: await store.list(), count: await store.count(), stats: await …",
      );
      expectEqual(await store.get(ghost), null, "store.get(ghost)");
      const recovery = harness.lockRecoveryMs ?? 15_000;
      const { session } = await withDeadline(
        store.commit(live, { expectedVersion: 1, events: [{ type: "after-debris" }] }),
        recovery + 2_000,
        "commit beside debris",
      );
      expectEqual(session.version, 2, "session.version");
      await store.create(input({ id: ghost }));
      expectEqual((await store.get(ghost))?.version, 1, "(await store.get(ghost))?.version");
      expectEqual(await store.count(), 2, "store.count()");
    },
  },
];
