import assert from "node:assert/strict";
import type { Session, SessionEvent } from "@sessionkit/core";
import { expectCode, expectDeepEqual, expectEqual, freshId, ISO_MS, input, iso } from "../assertions.js";
import type { CaseDefinition } from "../case.js";

const SUMMARY_OMITS = ["context", "result", "error", "pause"];

/** SS-CRUD: create, read, commit a patch, delete, import. */
export const crudCases: CaseDefinition[] = [
  {
    id: "SS-CRUD-01",
    group: "SS-CRUD",
    title:
      "create returns version 1 with defaults and clock timestamps, and get returns exactly that session",
    async run({ open, ctx }) {
      const store = await open();
      const id = freshId();
      const { session, events } = await store.create(
        input({ id, userId: "u", channelId: "c", workspace: "/w" }),
      );
      const at = iso(ctx.clock.now());
      expectDeepEqual(
        session,
        {
          id,
          userId: "u",
          channelId: "c",
          mode: "chat",
          task: "conformance",
          workspace: "/w",
          status: "active",
          iterations: 0,
          maxIterations: 100,
          context: {},
          createdAt: at,
          updatedAt: at,
          version: 1,
          eventCount: 0,
        },
        "session",
      );
      expectDeepEqual(events, [], "events");
      expectDeepEqual(await store.get(id), session, "store.get(id)");
      expectDeepEqual(
        await store.getWithHistory(id),
        { ...session, history: [] },
        "store.getWithHistory(id)",
      );
    },
  },
  {
    id: "SS-CRUD-02",
    group: "SS-CRUD",
    title: "create with first events numbers them from seq 1 at createdAt, and getWithHistory returns them",
    async run({ open, ctx }) {
      const store = await open();
      const id = freshId();
      const { session, events } = await store.create(input({ id }), {
        events: [{ type: "start", data: { a: 1 } }, { type: "custom.note" }],
      });
      const at = iso(ctx.clock.now());
      expectEqual(session.eventCount, 2, "session.eventCount");
      expectDeepEqual(
        events,
        [
          { seq: 1, timestamp: at, type: "start", data: { a: 1 } },
          { seq: 2, timestamp: at, type: "custom.note", data: {} },
        ],
        "events",
      );
      expectDeepEqual(
        await store.getWithHistory(id),
        { ...session, history: events },
        "store.getWithHistory(id)",
      );
      assert.deepStrictEqual(await store.get(id), session, "get returns the session without its history");
    },
  },
  {
    id: "SS-CRUD-03",
    group: "SS-CRUD",
    title: "create without an id assigns a fresh session_ id",
    async run({ open }) {
      const store = await open();
      const a = await store.create(input());
      const b = await store.create(input());
      assert.match(
        a.session.id,
        /^session_[A-Za-z0-9_-]+$/,
        `assigned id ${a.session.id}: expected session_…`,
      );
      assert.notEqual(a.session.id, b.session.id, `two creates were assigned the same id ${a.session.id}`);
      expectDeepEqual(await store.get(a.session.id), a.session, "store.get(a.session.id)");
    },
  },
  {
    id: "SS-CRUD-04",
    group: "SS-CRUD",
    title: "get and getWithHistory of an unknown id return exactly null",
    async run({ open }) {
      const store = await open();
      await store.create(input({ id: freshId() }));
      expectEqual(await store.get(freshId()), null, "store.get(freshId())");
      expectEqual(await store.getWithHistory(freshId()), null, "store.getWithHistory(freshId())");
    },
  },
  {
    id: "SS-CRUD-05",
    group: "SS-CRUD",
    title: "create with a taken id rejects with ERR_SESSION_EXISTS and leaves the original untouched",
    async run({ open, ctx }) {
      const store = await open();
      const id = freshId();
      await store.create(input({ id, task: "original" }), { events: [{ type: "start" }] });
      const before = await store.getWithHistory(id);
      ctx.clock.advance(10);
      await expectCode(
        store.create(input({ id, task: "impostor" }), { events: [{ type: "x" }] }),
        "ERR_SESSION_EXISTS",
        "create of a taken id",
      );
      expectDeepEqual(await store.getWithHistory(id), before, "store.getWithHistory(id)");
    },
  },
  {
    id: "SS-CRUD-06",
    group: "SS-CRUD",
    title:
      "commit applies a patch (set, null removes, undefined keeps), bumps version and updatedAt, keeps createdAt",
    async run({ open, ctx }) {
      const store = await open();
      const id = freshId();
      const { session: created } = await store.create(
        input({
          id,
          userId: "u",
          channelId: "c",
          result: "r",
          metadata: { model: "m" },
          context: { keep: 1 },
        }),
      );
      ctx.clock.advance(250);
      const { session, events } = await store.commit(id, {
        patch: {
          status: "paused",
          iterations: 3,
          userId: null,
          channelId: undefined,
          result: null,
          metadata: null,
          pause: { at: iso(ctx.clock.now()), reason: "review" },
          context: { replaced: true },
        },
      });
      const expected: Session = {
        id,
        channelId: "c",
        mode: "chat",
        task: "conformance",
        status: "paused",
        iterations: 3,
        maxIterations: 100,
        context: { replaced: true },
        pause: { at: iso(ctx.clock.now()), reason: "review" },
        createdAt: created.createdAt,
        updatedAt: iso(ctx.clock.now()),
        version: 2,
        eventCount: 0,
      };
      expectDeepEqual(session, expected, "session");
      expectDeepEqual(events, [], "events");
      const read = await store.get(id);
      expectDeepEqual(read, expected, "read");
      for (const gone of ["userId", "result", "metadata"])
        assert.ok(!Object.hasOwn(read!, gone), `${gone}: null must remove the field`);
    },
  },
  {
    id: "SS-CRUD-07",
    group: "SS-CRUD",
    title: "commit of an unknown id rejects with ERR_SESSION_NOT_FOUND and creates nothing",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      await expectCode(
        store.commit(id, { patch: { task: "x" }, events: [{ type: "x" }] }),
        "ERR_SESSION_NOT_FOUND",
        "commit of an unknown id",
      );
      expectEqual(await store.get(id), null, "store.get(id)");
      expectEqual(await store.count(), 0, "store.count()");
    },
  },
  {
    id: "SS-CRUD-08",
    group: "SS-CRUD",
    title: "delete returns true and removes the session and its history everywhere; the id starts afresh",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      const other = freshId();
      await store.create(input({ id, userId: "u" }), { events: [{ type: "start" }, { type: "note" }] });
      await store.create(input({ id: other, userId: "u" }));
      expectEqual(await store.delete(id), true, "store.delete(id)");
      expectEqual(await store.get(id), null, "store.get(id)");
      expectEqual(await store.getWithHistory(id), null, "store.getWithHistory(id)");
      expectDeepEqual(
        (await store.list()).items.map((s) => s.id),
        [other],
        "(await store.list()).items.map((s) => s.id)",
      );
      expectEqual(await store.count({ userId: "u" }), 1, 'store.count({ userId: "u" })');
      expectEqual((await store.stats()).events, 0, "(await store.stats()).events");
      await expectCode(store.readEvents(id), "ERR_SESSION_NOT_FOUND", "readEvents after delete");
      await expectCode(
        store.commit(id, { events: [{ type: "x" }] }),
        "ERR_SESSION_NOT_FOUND",
        "commit after delete",
      );
      const { session } = await store.create(input({ id }));
      expectEqual(session.version, 1, "session.version");
      assert.deepStrictEqual(
        await store.readEvents(id),
        [],
        "a re-created id must not inherit the old history",
      );
      expectDeepEqual(
        (await store.getWithHistory(id))?.history,
        [],
        "(await store.getWithHistory(id))?.history",
      );
    },
  },
  {
    id: "SS-CRUD-09",
    group: "SS-CRUD",
    title: "delete of an absent or already deleted id returns false without throwing",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      expectEqual(await store.delete(id), false, "store.delete(id)");
      await store.create(input({ id }));
      expectEqual(await store.delete(id), true, "store.delete(id)");
      expectEqual(await store.delete(id), false, "store.delete(id)");
    },
  },
  {
    id: "SS-CRUD-10",
    group: "SS-CRUD",
    title: "createdAt never changes; updatedAt is the clock's time of each change",
    async run({ open, ctx }) {
      const store = await open();
      const id = freshId();
      const { session } = await store.create(input({ id }));
      const createdAt = session.createdAt;
      const steps = [
        { patch: { iterations: 1 } },
        { events: [{ type: "iteration" }] },
        {},
        {
          patch: { status: "completed" as const, endedAt: iso(ctx.clock.now()) },
          events: [{ type: "complete" }],
        },
      ];
      let previous = createdAt;
      for (const step of steps) {
        ctx.clock.advance(1);
        const { session: next } = await store.commit(id, step);
        assert.equal(next.createdAt, createdAt, "commit returned a changed createdAt");
        expectEqual(next.updatedAt, iso(ctx.clock.now()), "next.updatedAt");
        assert.ok(next.updatedAt > previous, "updatedAt must grow with the clock");
        previous = next.updatedAt;
        const read = await store.get(id);
        assert.equal(read?.createdAt, createdAt, "stored createdAt changed");
        expectEqual(read?.updatedAt, next.updatedAt, "read?.updatedAt");
        const listed = (await store.list()).items.find((item) => item.id === id);
        assert.equal(listed?.createdAt, createdAt, "listed createdAt changed");
      }
    },
  },
  {
    id: "SS-CRUD-11",
    group: "SS-CRUD",
    title: "returned objects are copies: mutating inputs or results never changes what is stored",
    async run({ open }) {
      const store = await open();
      const id = freshId();
      const context = { nested: { list: [1, 2] } };
      const data = { payload: { deep: "x" } };
      const created = await store.create(input({ id, context, metadata: { tags: ["a"] } }), {
        events: [{ type: "start", data }],
      });
      context.nested.list.push(3);
      data.payload.deep = "changed";
      (created.session.context as { nested: { list: number[] } }).nested.list.push(4);
      (created.events[0]!.data as { payload: { deep: string } }).payload.deep = "changed";
      const read = await store.getWithHistory(id);
      expectDeepEqual(read?.context, { nested: { list: [1, 2] } }, "read?.context");
      expectDeepEqual(read?.history[0]?.data, { payload: { deep: "x" } }, "read?.history[0]?.data");
      (read!.metadata!.tags as string[]).push("b");
      read!.history.push({ seq: 2, timestamp: read!.createdAt, type: "fake", data: {} });
      const page = await store.list();
      (page.items[0]!.metadata!.tags as string[]).push("c");
      expectDeepEqual((await store.get(id))?.metadata, { tags: ["a"] }, "(await store.get(id))?.metadata");
      expectEqual((await store.readEvents(id)).length, 1, "(await store.readEvents(id)).length");
    },
  },
  {
    id: "SS-CRUD-12",
    group: "SS-CRUD",
    title: "list returns summaries: the session's fields without context, result, error and pause",
    async run({ open, ctx }) {
      const store = await open();
      const id = freshId();
      await store.create(
        input({
          id,
          context: { secret: 1 },
          result: "r",
          error: "e",
          metadata: { m: 1 },
          deadlineAt: "2027-01-01T00:00:00.000Z",
        }),
      );
      await store.commit(id, {
        patch: { status: "paused", pause: { at: iso(ctx.clock.now()) } },
        events: [{ type: "pause" }],
      });
      const session = (await store.get(id))!;
      const summary = (await store.list()).items[0]!;
      const expected = Object.fromEntries(
        Object.entries(session).filter(([key]) => !SUMMARY_OMITS.includes(key)),
      );
      expectDeepEqual(summary, expected, "summary");
    },
  },
  {
    id: "SS-CRUD-13",
    group: "SS-CRUD",
    title:
      "importSession restores a session exactly; a taken id needs overwrite, which replaces state and history",
    async run({ open, ctx }) {
      const store = await open();
      const id = freshId();
      const session: Session = {
        id,
        mode: "batch",
        task: "imported",
        status: "paused",
        createdAt: "2025-05-05T05:05:05.005Z",
        updatedAt: "2025-05-06T06:06:06.006Z",
        iterations: 4,
        maxIterations: 9,
        context: { k: [1, { v: null }] },
        pause: { at: "2025-05-06T06:06:06.006Z", reason: "r" },
        metadata: { model: "x" },
        version: 7,
        eventCount: 2,
      };
      const events: SessionEvent[] = [
        { seq: 1, timestamp: "2025-05-05T05:05:05.005Z", type: "start", data: {} },
        { seq: 2, timestamp: "2025-05-06T06:06:06.006Z", type: "pause", data: { why: "r" } },
      ];
      const result = await store.importSession(session, events);
      expectDeepEqual(result, { session, events }, "result");
      expectDeepEqual(
        await store.getWithHistory(id),
        { ...session, history: events },
        "store.getWithHistory(id)",
      );
      ctx.clock.advance(1);
      const { session: next, events: appended } = await store.commit(id, {
        expectedVersion: 7,
        events: [{ type: "resume" }],
      });
      expectEqual(next.version, 8, "next.version");
      expectEqual(appended[0]?.seq, 3, "appended[0]?.seq");
      await expectCode(store.importSession(session, events), "ERR_SESSION_EXISTS", "import over a taken id");
      assert.equal((await store.get(id))?.version, 8, "a refused import changes nothing");
      await store.importSession({ ...session, eventCount: 1 }, events.slice(0, 1), { overwrite: true });
      expectDeepEqual(
        await store.getWithHistory(id),
        {
          ...session,
          eventCount: 1,
          history: events.slice(0, 1),
        },
        "store.getWithHistory(id)",
      );
      const createdAt = (await store.get(id))!.createdAt;
      assert.match(createdAt, ISO_MS, `createdAt ${createdAt}: expected ISO-8601 UTC with milliseconds`);
    },
  },
];
