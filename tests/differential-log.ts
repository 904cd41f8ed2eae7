import { createPrng, HOSTILE_STRINGS, UNICODE_STRINGS } from "@sessionkit/conformance";
import type { ManualClock, SessionEvent, SessionStatus, SessionStore } from "@sessionkit/core";

/** One logged operation; `advance` ms pass on the clock before it runs (0 makes ties). */
export type Op = { advance: number } & (
  | {
      kind: "create";
      input: Record<string, unknown>;
      events: Array<{ type: string; data?: Record<string, unknown> }>;
    }
  | { kind: "commit"; id: string; input: Record<string, unknown> }
  | { kind: "conflict"; id: string; first: Record<string, unknown>; second: Record<string, unknown> }
  | { kind: "delete"; id: string; expectedVersion?: number }
  | { kind: "prune"; olderThanMs: number; statuses?: SessionStatus[]; dryRun: boolean }
  | { kind: "list"; filter: Record<string, unknown>; limit: number }
  | { kind: "count"; filter: Record<string, unknown> }
  | { kind: "stats"; filter: Record<string, unknown> }
  | { kind: "readEvents"; id: string; range: Record<string, number> }
  | { kind: "get"; id: string }
  | { kind: "getWithHistory"; id: string }
  | { kind: "import"; id: string; overwrite: boolean; ageMs: number }
);

const STATUSES: SessionStatus[] = ["active", "paused", "completed", "failed", "timeout"];
const MODES = ["chat", "code", "review"];
const USERS = ["alice", "Alice", "bob", "a%", "x\u0000y"];

/** Generates `length` operations over a small pool of ids, from `seed` alone. */
export function generateLog(seed: number, length: number): Op[] {
  const rng = createPrng(seed);
  const ids = Array.from({ length: 14 }, (_, k) => `session_diff${k.toString(36)}${k % 2 === 0 ? "A" : "a"}`);
  const text = () =>
    rng.next() < 0.3
      ? rng.pick(HOSTILE_STRINGS)
      : rng.next() < 0.3
        ? rng.pick(UNICODE_STRINGS)
        : `t${rng.int(100)}`;
  const value = (): unknown =>
    rng.pick([null, false, 0, -1.5, "", text(), [text(), 1], { nested: text() }, 2 ** 53 - 1]);
  const metadata = () => {
    const out: Record<string, unknown> = {};
    if (rng.next() < 0.7) out.tier = rng.pick(["gold", "silver", 1, "1", true, null]);
    if (rng.next() < 0.4) out.note = text();
    return out;
  };
  const filter = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const r = rng.next();
    if (r < 0.15) out.userId = rng.pick(USERS);
    else if (r < 0.3) out.mode = rng.pick(MODES);
    else if (r < 0.45)
      out.status = rng.next() < 0.5 ? rng.pick(STATUSES) : [rng.pick(STATUSES), rng.pick(STATUSES)];
    else if (r < 0.55) out.metadata = { tier: rng.pick(["gold", 1, "1", true, null]) };
    else if (r < 0.65)
      out.createdAfter = new Date(Date.parse("2026-03-01T12:00:00.123Z") + rng.int(60_000)).toISOString();
    else if (r < 0.72)
      out.updatedBefore = new Date(Date.parse("2026-03-01T12:00:00.123Z") + rng.int(90_000)).toISOString();
    return out;
  };
  const events = () =>
    Array.from({ length: rng.int(4) }, () => ({
      type: rng.pick(["iteration", "tool_call", "learning", "custom.note"]),
      ...(rng.next() < 0.8 ? { data: { v: value(), s: text() } } : {}),
    }));
  const patch = () => {
    const out: Record<string, unknown> = {};
    if (rng.next() < 0.4) out.status = rng.pick(STATUSES);
    if (rng.next() < 0.4) out.iterations = rng.int(50);
    if (rng.next() < 0.3) out.context = { k: value(), [text()]: value() };
    if (rng.next() < 0.2) out.metadata = rng.next() < 0.2 ? null : metadata();
    if (rng.next() < 0.2) out.userId = rng.next() < 0.3 ? null : rng.pick(USERS);
    if (rng.next() < 0.15) out.result = rng.next() < 0.3 ? null : text();
    if (rng.next() < 0.1) out.task = text();
    return out;
  };
  const commitInput = () => {
    const out: Record<string, unknown> = {};
    if (rng.next() < 0.4) out.expectedVersion = 1 + rng.int(6);
    if (rng.next() < 0.8) out.patch = patch();
    if (rng.next() < 0.7) out.events = events();
    if (rng.next() < 0.03) out.events = [{ type: "bad type" }];
    return out;
  };
  const log: Op[] = [];
  for (let k = 0; k < length; k++) {
    const advance = rng.pick([0, 0, 0, 0, 0, 1, 7, 250, 1000]);
    const id = rng.pick(ids);
    const r = rng.next();
    if (r < 0.2) {
      log.push({
        advance,
        kind: "create",
        input: {
          id,
          mode: rng.pick(MODES),
          task: text(),
          ...(rng.next() < 0.7 ? { userId: rng.pick(USERS) } : {}),
          ...(rng.next() < 0.3 ? { status: rng.pick(STATUSES) } : {}),
          ...(rng.next() < 0.6 ? { metadata: metadata() } : {}),
          ...(rng.next() < 0.5 ? { context: { seed: value() } } : {}),
        },
        events: events(),
      });
    } else if (r < 0.45) log.push({ advance, kind: "commit", id, input: commitInput() });
    else if (r < 0.5) {
      const expectedVersion = 1 + rng.int(4);
      log.push({
        advance,
        kind: "conflict",
        id,
        first: { expectedVersion, patch: patch(), events: events() },
        second: { expectedVersion, patch: patch(), events: events() },
      });
    } else if (r < 0.55)
      log.push({
        advance,
        kind: "delete",
        id,
        ...(rng.next() < 0.5 ? { expectedVersion: 1 + rng.int(4) } : {}),
      });
    else if (r < 0.58) {
      log.push({
        advance,
        kind: "prune",
        olderThanMs: rng.int(120_000),
        dryRun: rng.next() < 0.4,
        ...(rng.next() < 0.3 ? { statuses: [rng.pick(STATUSES)] } : {}),
      });
    } else if (r < 0.7)
      log.push({ advance, kind: "list", filter: filter(), limit: rng.pick([1, 2, 3, 5, 50]) });
    else if (r < 0.75) log.push({ advance, kind: "count", filter: filter() });
    else if (r < 0.8) log.push({ advance, kind: "stats", filter: filter() });
    else if (r < 0.86) {
      const range: Record<string, number> = rng.pick<Record<string, number>>([
        {},
        { fromSeq: 2 },
        { fromSeq: 1, limit: 2 },
        { last: 2 },
        { toSeq: 3 },
        { fromSeq: 0 },
      ]);
      log.push({ advance, kind: "readEvents", id, range });
    } else if (r < 0.91) log.push({ advance, kind: "get", id });
    else if (r < 0.97) log.push({ advance, kind: "getWithHistory", id });
    else log.push({ advance, kind: "import", id, overwrite: rng.next() < 0.5, ageMs: rng.int(100_000) });
  }
  return log;
}

async function settle(action: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await action() };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { error: typeof code === "string" && code.startsWith("ERR_") ? code : `RAW ${String(error)}` };
  }
}

/** Replays the log; returns one observable result per operation, then a final dump of everything. */
export async function replay(store: SessionStore, clock: ManualClock, log: Op[]): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const op of log) {
    clock.advance(op.advance);
    switch (op.kind) {
      case "create":
        results.push(await settle(() => store.create(op.input as never, { events: op.events })));
        break;
      case "commit":
        results.push(await settle(() => store.commit(op.id, op.input as never)));
        break;
      case "conflict": {
        // Both commits expect the version read now: the first must win, the second must conflict.
        const current = await settle(() => store.get(op.id));
        const version = (current as { ok?: { version: number } | null }).ok?.version ?? 1;
        const first = { ...op.first, expectedVersion: version };
        const second = { ...op.second, expectedVersion: version };
        results.push([
          current,
          await settle(() => store.commit(op.id, first as never)),
          await settle(() => store.commit(op.id, second as never)),
        ]);
        break;
      }
      case "delete":
        results.push(
          await settle(() =>
            store.delete(
              op.id,
              op.expectedVersion === undefined ? undefined : { expectedVersion: op.expectedVersion },
            ),
          ),
        );
        break;
      case "prune":
        results.push(
          await settle(() =>
            store.prune({
              olderThan: clock.now() - op.olderThanMs,
              dryRun: op.dryRun,
              ...(op.statuses ? { statuses: op.statuses } : {}),
            }),
          ),
        );
        break;
      case "list": {
        const pages: unknown[] = [];
        let cursor: string | null = null;
        do {
          const page = await settle(() => store.list({ ...op.filter, limit: op.limit, cursor }));
          pages.push(page);
          cursor = (page as { ok?: { nextCursor: string | null } }).ok?.nextCursor ?? null;
        } while (cursor !== null && pages.length < 100);
        results.push(pages);
        break;
      }
      case "count":
        results.push(await settle(() => store.count(op.filter)));
        break;
      case "stats":
        results.push(await settle(() => store.stats(op.filter)));
        break;
      case "readEvents":
        results.push(await settle(() => store.readEvents(op.id, op.range)));
        break;
      case "get":
        results.push(await settle(() => store.get(op.id)));
        break;
      case "getWithHistory":
        results.push(await settle(() => store.getWithHistory(op.id)));
        break;
      case "import": {
        const at = new Date(clock.now() - op.ageMs).toISOString();
        const session = {
          id: op.id,
          mode: "imported",
          task: "restored \u0000 exactly",
          status: "completed" as const,
          createdAt: at,
          updatedAt: at,
          endedAt: at,
          iterations: 3,
          maxIterations: 10,
          context: { restored: true },
          version: 4,
          eventCount: 2,
        };
        const events: SessionEvent[] = [
          { seq: 1, timestamp: at, type: "start", data: {} },
          { seq: 2, timestamp: at, type: "complete", data: { ok: "\ud83d" } },
        ];
        results.push(await settle(() => store.importSession(session, events, { overwrite: op.overwrite })));
        break;
      }
    }
  }
  const all = await store.list({ limit: 1000 });
  results.push({
    final: all,
    histories: await Promise.all(all.items.map((item) => store.getWithHistory(item.id))),
    stats: await store.stats(),
  });
  return results;
}
