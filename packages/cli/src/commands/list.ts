import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { addFilterOptions, type FilterOptions, filterFrom, parseCount } from "../options.js";
import { clip, paintStatus } from "../output.js";
import type { Wrap } from "../program.js";

interface ListOptions extends FilterOptions {
  limit: number;
  cursor?: string;
  all?: boolean;
}

/** `sessionkit list`: a page of sessions, newest first, with every filter of the query API. */
export function registerList(program: Command, wrap: Wrap): void {
  const command = program
    .command("list")
    .description("List sessions, newest first (ties by id), one page at a time.")
    .option("-n, --limit <n>", "page size, 1 to 1000", parseCount("--limit", 1, 1000), 50)
    .option("--cursor <cursor>", "continue after the page that printed this cursor")
    .option("--all", "walk every page (JSON Lines friendly)");
  addFilterOptions(command)
    .addHelpText(
      "after",
      "\nExamples:\n  sessionkit list --status active,paused --limit 20\n  sessionkit list --store sqlite:./sessions.db --user u1 --meta model=gpt-5 --json\n  sessionkit list --cursor <nextCursor from the previous page>",
    )
    .action(
      wrap<ListOptions>(async ({ out, open }, options) => {
        const { store } = await open({ create: false });
        const filter = filterFrom(options);
        let cursor: string | null = options.cursor ?? null;
        let corrupt = 0;
        const rows: Array<Array<string | number>> = [];
        const items: unknown[] = [];
        do {
          const page = await store.list({ ...filter, limit: options.limit, cursor });
          for (const report of page.corrupt) {
            corrupt += 1;
            out.note(`warning ${report.code}: ${report.id}: ${report.message}`);
          }
          for (const item of page.items) {
            if (out.format === "jsonl") out.json(item);
            else items.push(item);
            rows.push([
              item.id,
              paintStatus(out.colors, item.status),
              clip(item.mode, 16),
              clip(item.userId, 16),
              `${item.iterations}/${item.maxIterations}`,
              item.eventCount,
              item.createdAt,
              item.updatedAt,
            ]);
          }
          cursor = page.nextCursor;
          if (out.format === "json" && !options.all)
            out.json({ items, nextCursor: cursor, corrupt: page.corrupt });
        } while (options.all && cursor !== null);
        if (out.format === "json" && options.all) out.json({ items, nextCursor: null });
        if (out.format === "table") {
          out.table(["id", "status", "mode", "user", "iter", "events", "created", "updated"], rows);
          if (cursor !== null) out.note(`more: run again with the same filters and --cursor ${cursor}`);
        } else if (out.format === "jsonl" && cursor !== null) out.note(`more: --cursor ${cursor}`);
        return corrupt > 0 ? EXIT.problems : EXIT.ok;
      }),
    );
}
