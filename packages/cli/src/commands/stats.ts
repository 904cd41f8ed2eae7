import type { SessionFilter, SessionStore } from "@sessionkit/core";
import { SESSION_STATUSES } from "@sessionkit/core/driver";
import type { Command } from "commander";
import { usageError } from "../errors.js";
import { addFilterOptions, type FilterOptions, filterFrom } from "../options.js";
import { paintStatus } from "../output.js";
import type { Wrap } from "../program.js";

interface StatsOptions extends FilterOptions {
  by: string;
}

const GROUPS = ["status", "mode", "day"] as const;
type Group = (typeof GROUPS)[number];

/** `sessionkit stats`: totals, success rate, and counts by status, mode or day of creation. */
export function registerStats(program: Command, wrap: Wrap): void {
  const command = program
    .command("stats")
    .description("Statistics over the sessions matching the filters.")
    .option("--by <groups>", "status, mode and/or day (comma-separated)", "status");
  addFilterOptions(command)
    .addHelpText(
      "after",
      "\nExamples:\n  sessionkit stats --by status,mode\n  sessionkit stats --by day --created-after 30d --json",
    )
    .action(
      wrap<StatsOptions>(async ({ out, open }, options) => {
        const groups = options.by
          .split(",")
          .map((value) => value.trim())
          .filter(Boolean);
        for (const group of groups) {
          if (!(GROUPS as readonly string[]).includes(group))
            throw usageError(`Expected --by among ${GROUPS.join(", ")}, got ${JSON.stringify(group)}.`);
        }
        const { store } = await open({ create: false });
        const filter = filterFrom(options);
        const stats = await store.stats(filter);
        const byDay = groups.includes("day") ? await countByDay(store, filter) : undefined;
        if (out.format !== "table") {
          out.json(byDay ? { ...stats, byDay } : stats);
          return;
        }
        out.table(
          ["sessions", "success rate", "avg iterations", "events"],
          [
            [
              stats.total,
              `${stats.successRate.toFixed(1)} %`,
              stats.averageIterations.toFixed(2),
              stats.events,
            ],
          ],
        );
        for (const group of groups as Group[]) {
          if (group === "status") {
            out.table(
              ["status", "sessions"],
              SESSION_STATUSES.map((status) => [paintStatus(out.colors, status), stats.byStatus[status]]),
            );
          } else if (group === "mode") {
            out.table(
              ["mode", "sessions"],
              Object.entries(stats.byMode).sort((a, b) => b[1] - a[1]),
            );
          } else if (byDay) {
            out.table(
              ["day", "sessions", ...SESSION_STATUSES],
              Object.entries(byDay).map(([day, counts]) => [
                day,
                counts.total,
                ...SESSION_STATUSES.map((status) => counts[status] ?? 0),
              ]),
            );
          }
        }
        return;
      }),
    );
}

/** Sessions per UTC day of creation and status (newest day first); walks the listing, never the histories. */
async function countByDay(store: SessionStore, filter: SessionFilter) {
  const days: Record<string, Record<string, number> & { total: number }> = {};
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<SessionStore["list"]>> = await store.list({
      ...filter,
      limit: 1000,
      cursor,
    });
    for (const item of page.items) {
      const day = item.createdAt.slice(0, 10);
      days[day] ??= { total: 0, ...Object.fromEntries(SESSION_STATUSES.map((status) => [status, 0])) };
      const counts = days[day];
      counts.total += 1;
      counts[item.status] = (counts[item.status] ?? 0) + 1;
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  return days;
}
