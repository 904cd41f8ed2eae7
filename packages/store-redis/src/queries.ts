import {
  type CheckDelete,
  collectInbox,
  collectPage,
  emptyAggregate,
  foldStats,
  type InboxFilter,
  isCorruptRecordError,
  type ListPosition,
  type ParsedFilter,
  parseRecordText,
  type Session,
  type SessionStatus,
  type StatsAggregate,
  type StoreDriver,
  toSummary,
} from "@sessionkit/core/driver";
import type { Redis } from "ioredis";
import { filterGroups, fromKeyPart, memberOf, positionOf } from "./index-entry.js";
import type { StoreKeys } from "./keys.js";

type Queries = Required<Pick<StoreDriver, "list" | "count" | "stats" | "prune" | "listAwaitingInput">>;

/** What one walk reads: which sets, between which lex bounds, with which updatedAt bounds. */
interface Walk {
  groups: string[][];
  max: string;
  min: string;
  updatedFrom?: string;
  updatedTo?: string;
}

interface Row {
  member: string;
  rec: string;
}

/** What the queries need from the driver: the scripted client, its keys, and a checked delete. */
export interface QueryOptions {
  client: Redis & { skQuery(...args: Array<string | number>): Promise<unknown[]> };
  keys: StoreKeys;
  name: string;
  /** Deletes `id` if `check` passes on its current state (the driver's delete). */
  deleteChecked(id: string, check: CheckDelete): Promise<boolean>;
  /** Deletes `id` if it is still at `version`: 1 deleted, 0 absent, -1 moved. */
  deleteAt(ids: Array<[string, number]>): Promise<number[]>;
}

/** Members examined per script call: one call holds the server for about a millisecond. */
const BUDGET = 2000;
/** Candidate ids read and checked per round trip by prune. */
const PRUNE_BATCH = 500;

/** Thrown by prune's check when a session stopped qualifying; never escapes prune. */
const KEEP = new Error("kept");

/** The lex bounds of a walk: after the cursor (exclusive) and within the createdAt bounds (inclusive). */
function walkOf(
  groups: string[][],
  filter: ParsedFilter,
  after: ListPosition | undefined,
  all: string,
): Walk {
  // `}` sorts right after `|`, so `(T}` keeps every `T|id` and nothing created later.
  const tops = [after && memberOf(after), filter.createdTo && `${filter.createdTo}}`].filter(
    (bound): bound is string => typeof bound === "string",
  );
  tops.sort();
  return {
    groups: groups.length > 0 ? groups : [[all]],
    max: tops.length > 0 ? `(${tops[0]}` : "+",
    min: filter.createdFrom ? `[${filter.createdFrom}|` : "-",
    ...(filter.updatedFrom ? { updatedFrom: filter.updatedFrom } : {}),
    ...(filter.updatedTo ? { updatedTo: filter.updatedTo } : {}),
  };
}

/** The index-backed queries: every one reads the sets it needs, never every session. */
export function createQueries(options: QueryOptions): Queries {
  const { client, keys } = options;

  async function walkOnce(walk: Walk, what: "rec" | "sum" | "count", want: number, budget = BUDGET) {
    const args: Array<string | number> = [
      keys.sessionPrefix,
      what,
      walk.max,
      walk.min,
      want,
      budget,
      walk.updatedFrom ?? "",
      walk.updatedTo ?? "",
      walk.groups.length,
    ];
    for (const group of walk.groups) args.push(group.length, ...group);
    const reply = (await client.skQuery(...args)) as [string, number, number, ...Array<string | number>];
    const [last, done, found] = reply;
    return { last, done: done === 1, found, rows: reply.slice(3) as Array<string | number> };
  }

  /** Up to `want` matching rows (member, record) strictly after the walk's max bound. */
  async function fetchRows(walk: Walk, want: number): Promise<Row[]> {
    const rows: Row[] = [];
    let bound = walk.max;
    for (;;) {
      const step = await walkOnce({ ...walk, max: bound }, "rec", want - rows.length);
      for (let i = 0; i < step.rows.length; i += 2)
        rows.push({ member: step.rows[i] as string, rec: step.rows[i + 1] as string });
      if (step.done || rows.length >= want || step.last === "") return rows;
      bound = `(${step.last}`;
    }
  }

  /** Runs a walk to its end, handing each call's reply to `take`. */
  async function walkAll(
    walk: Walk,
    what: "sum" | "count",
    take: (step: Awaited<ReturnType<typeof walkOnce>>) => void,
  ) {
    let bound = walk.max;
    for (;;) {
      const step = await walkOnce({ ...walk, max: bound }, what, 0, what === "count" ? 20_000 : 5_000);
      take(step);
      if (step.done || step.last === "") return;
      bound = `(${step.last}`;
    }
  }

  const idOf = (member: string) => member.slice(member.indexOf("|") + 1);

  async function totals(): Promise<StatsAggregate> {
    const fields = await client.hgetall(keys.totals);
    const aggregate = emptyAggregate();
    for (const [field, text] of Object.entries(fields)) {
      const value = Number(text);
      if (field === "n") aggregate.total = value;
      else if (field === "it") aggregate.iterationsSum = value;
      else if (field === "ec") aggregate.eventsSum = value;
      else if (field.startsWith("st:")) aggregate.byStatus[field.slice(3) as SessionStatus] = value;
      else if (field.startsWith("md:")) aggregate.byMode[fromKeyPart(field.slice(3))] = value;
    }
    return aggregate;
  }

  const isEmpty = (filter: ParsedFilter) => Object.keys(filter).length === 0;

  async function pruneBatch(ids: string[], qualifies: (session: Session) => boolean): Promise<string[]> {
    const pipeline = client.pipeline();
    for (const id of ids) pipeline.hget(keys.session(id), "rec");
    const texts = ((await pipeline.exec()) ?? []).map(([, text]) => text as string | null);
    const due: Array<[string, number]> = [];
    ids.forEach((id, index) => {
      const text = texts[index];
      if (text === null || text === undefined) return;
      try {
        const session = parseRecordText(text, id, options.name);
        if (qualifies(session)) due.push([id, session.version]);
      } catch (error) {
        if (!isCorruptRecordError(error)) throw error; // a damaged record is skipped
      }
    });
    const outcomes = await options.deleteAt(due);
    const removed: string[] = [];
    const check: CheckDelete = (current) => {
      if (!qualifies(current)) throw KEEP;
    };
    for (const [index, [id]] of due.entries()) {
      if (outcomes[index] === 1) removed.push(id);
      if (outcomes[index] !== -1) continue;
      // Committed since it was read: decided again from a fresh read.
      try {
        if (await options.deleteChecked(id, check)) removed.push(id);
      } catch (error) {
        if (error !== KEEP && !isCorruptRecordError(error)) throw error;
      }
    }
    return removed;
  }

  return {
    list: (filter, after, limit) => {
      const base = walkOf(filterGroups(keys, filter), filter, undefined, keys.all);
      return collectPage<Row>(
        {
          fetch: (position, want) =>
            fetchRows(position ? walkOf(base.groups, filter, position, keys.all) : base, want),
          position: (row) => positionOf(row.member),
          summary: (row) => toSummary(parseRecordText(row.rec, idOf(row.member), options.name)),
        },
        after,
        limit,
      );
    },

    async count(filter) {
      if (isEmpty(filter)) return client.zcard(keys.all);
      let total = 0;
      await walkAll(walkOf(filterGroups(keys, filter), filter, undefined, keys.all), "count", (step) => {
        total += step.found;
      });
      return total;
    },

    async stats(filter) {
      if (isEmpty(filter)) return totals();
      const groups: Array<{
        status: string;
        mode: string;
        count: number;
        iterations: number;
        events: number;
      }> = [];
      await walkAll(walkOf(filterGroups(keys, filter), filter, undefined, keys.all), "sum", (step) => {
        for (let i = 0; i < step.rows.length; i += 4) {
          groups.push({
            status: step.rows[i] as string,
            mode: fromKeyPart(step.rows[i + 1] as string),
            count: 1,
            iterations: Number(step.rows[i + 2]),
            events: Number(step.rows[i + 3]),
          });
        }
      });
      return foldStats(groups);
    },

    async prune(statuses, before, dryRun) {
      const ids: string[] = [];
      for (const status of statuses) {
        // Members are `updatedAt|id`: everything below `(before` was last updated strictly before it.
        const members = await client.zrangebylex(keys.pruneOrder(status), "-", `(${before}`);
        ids.push(...members.map(idOf));
      }
      if (dryRun) return ids;
      const qualifies = (session: Session) => statuses.includes(session.status) && session.updatedAt < before;
      const removed: string[] = [];
      for (let i = 0; i < ids.length; i += PRUNE_BATCH)
        removed.push(...(await pruneBatch(ids.slice(i, i + PRUNE_BATCH), qualifies)));
      return removed;
    },

    listAwaitingInput(filter: InboxFilter, after, limit) {
      const groups = [[keys.inbox]];
      if (filter.userId !== undefined) groups.push(filterGroups(keys, { userId: filter.userId })[0]!);
      if (filter.channelId !== undefined)
        groups.push(filterGroups(keys, { channelId: filter.channelId })[0]!);
      // A damaged record is reported by collectInbox (page.corrupt), as list reports it.
      return collectInbox<Row>(
        {
          fetch: (position, want) => fetchRows(walkOf(groups, {}, position, keys.all), want),
          position: (row) => positionOf(row.member),
          session: (row) => parseRecordText(row.rec, idOf(row.member), options.name),
        },
        filter,
        after,
        limit,
      );
    },
  };
}
