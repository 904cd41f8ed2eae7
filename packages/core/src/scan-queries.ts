import type { CheckDelete, ScanResult, StoreDriver } from "./driver.js";
import {
  addToAggregate,
  chain,
  emptyAggregate,
  isCorruptRecordError,
  isDueForPrune,
  isPromise,
} from "./driver-kit.js";
import { SessionKitError } from "./errors.js";
import { copyJson } from "./json.js";
import { type SessionSummary, toSummary } from "./model.js";
import { compareForList, isAfterPosition, matchesFilter } from "./query.js";

type Queries = Required<Pick<StoreDriver, "list" | "stats" | "count" | "prune">>;

/** Thrown by prune's delete check when a session stopped qualifying; never escapes prune. */
const KEEP = new SessionKitError(
  "ERR_VERSION_CONFLICT",
  "[sessionkit] The session no longer qualifies for pruning.",
);

/**
 * list, count, stats and prune derived from a driver's `scan()`: the reference semantics (the
 * same filter, order and boundaries as every indexed adapter), by reading everything.
 */
export function scanQueries(driver: StoreDriver): Queries {
  const scan = driver.scan?.bind(driver);
  if (!scan) {
    throw new SessionKitError(
      "ERR_UNSUPPORTED_CAPABILITY",
      `[${driver.name}] The driver implements neither scan() nor list(), stats() and prune(). Implement scan() at least.`,
    );
  }
  const matching = (result: ScanResult, keep: (session: SessionSummary) => boolean) => {
    const rows: SessionSummary[] = [];
    for (const session of result.sessions) if (keep(session)) rows.push(session);
    return rows;
  };
  return {
    list: (filter, after, limit) =>
      chain(scan(), (result) => {
        const rows = matching(
          result,
          (session) =>
            matchesFilter(session, filter) && (after === undefined || isAfterPosition(session, after)),
        );
        rows.sort(compareForList);
        const items = rows.slice(0, limit).map((row) => copyJson(toSummary(row as never)));
        return { items, corrupt: [...(result.corrupt ?? [])] };
      }),
    count: (filter) =>
      chain(scan(), (result) => matching(result, (session) => matchesFilter(session, filter)).length),
    stats: (filter) =>
      chain(scan(), (result) => {
        const aggregate = emptyAggregate();
        for (const row of matching(result, (session) => matchesFilter(session, filter)))
          addToAggregate(aggregate, row);
        return aggregate;
      }),
    prune: (statuses, before, dryRun) =>
      chain(scan(), (result) => {
        const qualifies = (session: SessionSummary) => isDueForPrune(session, statuses, before);
        const ids = matching(result, qualifies).map((session) => session.id);
        if (dryRun) return ids;
        // Decided again exclusively, per session: a commit that landed after the scan keeps it.
        const check: CheckDelete = (current) => {
          if (!qualifies(current)) throw KEEP;
        };
        const removed: string[] = [];
        const pruneFrom = (index: number): string[] | Promise<string[]> => {
          for (let i = index; i < ids.length; i++) {
            const id = ids[i]!;
            let outcome: ReturnType<StoreDriver["delete"]>;
            try {
              outcome = driver.delete(id, check);
            } catch (error) {
              skipUnlessKept(error);
              continue;
            }
            if (isPromise(outcome)) {
              return outcome.then(
                (deleted) => {
                  if (deleted) removed.push(id);
                  return pruneFrom(i + 1);
                },
                (error: unknown) => {
                  skipUnlessKept(error);
                  return pruneFrom(i + 1);
                },
              );
            }
            if (outcome) removed.push(id);
          }
          return removed;
        };
        return pruneFrom(0);
      }),
  };
}

/** A kept or damaged session is skipped by prune; anything else fails it. */
function skipUnlessKept(error: unknown): void {
  if (error !== KEEP && !isCorruptRecordError(error)) throw error;
}
