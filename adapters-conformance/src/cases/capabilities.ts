import assert from "node:assert/strict";
import { expectCode, expectDeepEqual, expectEqual, freshId, input } from "../assertions.js";
import type { CaseDefinition } from "../case.js";

const KEYS = ["crashSafe", "maxPayloadBytes", "multiHandle", "multiProcess", "persistent", "sync"];
/** Claims added after the first release: absent means false, so older adapters stay conformant. */
const OPTIONAL_KEYS = ["idempotency", "leases", "namedLeases", "watch"];

/** SS-CAP: the declared capabilities are well-formed, exercisable and honoured. */
export const capabilityCases: CaseDefinition[] = [
  {
    id: "SS-CAP-01",
    group: "SS-CAP",
    title:
      "capabilities has exactly the known keys, booleans and a positive maxPayloadBytes, and never changes",
    async run({ open }) {
      const store = await open();
      const caps = store.capabilities;
      const present = OPTIONAL_KEYS.filter((key) => key in caps);
      expectDeepEqual(
        Object.keys(caps).sort(),
        [...KEYS, ...present].sort(),
        "Object.keys(caps).sort() (the known keys; leases, namedLeases, idempotency and watch may be absent)",
      );
      for (const key of [...KEYS, ...present].filter((k) => k !== "maxPayloadBytes")) {
        assert.equal(
          typeof caps[key as keyof typeof caps],
          "boolean",
          `capabilities.${key} must be a boolean`,
        );
      }
      assert.ok(
        Number.isSafeInteger(caps.maxPayloadBytes) && caps.maxPayloadBytes > 0,
        "maxPayloadBytes must be a positive integer",
      );
      const before = JSON.stringify(caps);
      await store.create(input({ id: freshId() }));
      assert.equal(JSON.stringify(store.capabilities), before, "capabilities changed during use");
      if (caps.multiProcess) assert.ok(caps.multiHandle, "multiProcess implies multiHandle");
      if (caps.crashSafe) assert.ok(caps.persistent, "crashSafe implies persistent");
    },
  },
  {
    id: "SS-CAP-02",
    group: "SS-CAP",
    title:
      "every claimed capability can be exercised by the harness (a claim it cannot test fails, never skips)",
    async run({ open, harness }) {
      const caps = (await open()).capabilities;
      const missing: string[] = [];
      if (caps.persistent && !harness.reopen)
        missing.push("persistent is claimed but the harness has no reopen()");
      if (caps.multiHandle && !harness.reopen)
        missing.push("multiHandle is claimed but the harness has no reopen()");
      if (caps.multiProcess && !harness.childModule)
        missing.push("multiProcess is claimed but the harness has no childModule");
      if (caps.crashSafe && !harness.childModule)
        missing.push("crashSafe is claimed but the harness has no childModule");
      assert.deepEqual(missing, [], `untestable claims: ${missing.join("; ")}`);
    },
  },
  {
    id: "SS-CAP-03",
    group: "SS-CAP",
    title: "sync(): a synchronous face when claimed, ERR_UNSUPPORTED_CAPABILITY when not",
    async run({ open }) {
      const store = await open();
      if (!store.capabilities.sync) {
        await expectCode(
          () => store.sync(),
          "ERR_UNSUPPORTED_CAPABILITY",
          "sync() on a store that does not claim sync",
        );
        return;
      }
      const face = store.sync();
      const id = freshId();
      const created = face.create(input({ id }));
      assert.equal(
        typeof (created as { then?: unknown }).then,
        "undefined",
        "sync().create returned a promise",
      );
      expectEqual(created.session.id, id, "created.session.id");
    },
  },
  {
    id: "SS-CAP-04",
    group: "SS-CAP",
    title: "the sync face answers every method with plain values identical to the async face",
    requires: ["sync"],
    async run({ open, ctx }) {
      const store = await open();
      const face = store.sync();
      const a = freshId("a");
      const b = freshId("b");
      face.create(input({ id: a, userId: "u1" }), { events: [{ type: "start" }] });
      ctx.clock.advance(5);
      await store.create(input({ id: b, userId: "u2" }));
      ctx.clock.advance(5);
      const committed = face.commit(a, {
        expectedVersion: 1,
        patch: { status: "completed" },
        events: [{ type: "complete", data: { ok: true } }],
      });
      expectEqual(committed.session.version, 2, "committed.session.version");
      const pairs: Array<[unknown, unknown, string]> = [
        [face.get(a), await store.get(a), "get"],
        [face.getWithHistory(a), await store.getWithHistory(a), "getWithHistory"],
        [face.readEvents(a, { last: 1 }), await store.readEvents(a, { last: 1 }), "readEvents"],
        [face.list({ limit: 1 }), await store.list({ limit: 1 }), "list"],
        [face.count({ userId: "u1" }), await store.count({ userId: "u1" }), "count"],
        [face.stats(), await store.stats(), "stats"],
        [
          face.prune({ olderThan: ctx.clock.now() + 1, dryRun: true }),
          await store.prune({ olderThan: ctx.clock.now() + 1, dryRun: true }),
          "prune dry run",
        ],
      ];
      for (const [sync, async, what] of pairs) {
        assert.equal(
          typeof (sync as { then?: unknown } | null)?.then,
          "undefined",
          `sync().${what} returned a promise`,
        );
        assert.deepStrictEqual(sync, async, `sync().${what} differs from the async face`);
      }
      expectEqual(face.delete(b), true, "face.delete(b)");
      expectEqual(await store.get(b), null, "store.get(b)");
      assert.throws(
        () => face.commit(b, { events: [] }),
        (error: { code?: string }) => error.code === "ERR_SESSION_NOT_FOUND",
        "sync().commit of a deleted session: expected ERR_SESSION_NOT_FOUND",
      );
    },
  },
  {
    id: "SS-CAP-05",
    group: "SS-CAP",
    title: "a store built by the child module declares the same capabilities",
    requires: ["child"],
    async run({ open, child }) {
      const store = await open();
      const remote = await child();
      expectDeepEqual(
        await remote.command("capabilities"),
        { ...store.capabilities },
        'remote.command("capabilities")',
      );
    },
  },
];
