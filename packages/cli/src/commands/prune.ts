import { createInterface } from "node:readline/promises";
import type { PruneResult, SessionStatus } from "@sessionkit/core";
import { isTerminalStatus, SESSION_STATUSES } from "@sessionkit/core/driver";
import { type Command, Option } from "commander";
import { usageError } from "../errors.js";
import { parseInstant, parseStatuses } from "../options.js";
import type { Output } from "../output.js";
import type { Wrap } from "../program.js";

interface PruneOptions {
  olderThan: string;
  status?: SessionStatus[];
  dryRun?: boolean;
  yes?: boolean;
}

/** `sessionkit prune`: the store's prune, previewed with --dry-run and confirmed unless --yes. */
export function registerPrune(program: Command, wrap: Wrap): void {
  program
    .command("prune")
    .description("Delete sessions of the given statuses last changed before a cutoff, with their histories.")
    .requiredOption(
      "--older-than <age>",
      "a duration (30d, 12h) or an ISO-8601 instant; compared with updatedAt",
    )
    .addOption(
      new Option("--status <list>", "statuses to prune (default: completed,failed,timeout)").argParser(
        parseStatuses,
      ),
    )
    .option("--dry-run", "print exactly what would be removed, remove nothing")
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText(
      "after",
      "\nThe dry run prints the absolute cutoff and the command that removes exactly the sessions it listed.\n\nExamples:\n  sessionkit prune --older-than 30d --dry-run\n  sessionkit prune --older-than 2026-11-01T00:00:00.000Z --status failed,timeout --yes",
    )
    .action(
      wrap<PruneOptions>(async ({ out, open }, options) => {
        const cutoff = parseInstant(options.olderThan);
        const statuses = options.status ?? SESSION_STATUSES.filter(isTerminalStatus);
        const { store, label } = await open({ create: false });
        const preview = await store.prune({ olderThan: cutoff, statuses, dryRun: true });
        if (options.dryRun) {
          report(out, preview, cutoff, statuses);
          if (out.format === "table") {
            out.note(
              `to remove exactly these: sessionkit prune --store ${JSON.stringify(label)} --older-than ${cutoff} --status ${statuses.join(",")} --yes`,
            );
          }
          return;
        }
        if (preview.count > 0 && !options.yes) {
          if (!process.stdin.isTTY)
            throw usageError(
              `prune would remove ${preview.count} sessions; pass --yes to confirm when not on a terminal (or --dry-run to see them).`,
            );
          const prompt = createInterface({ input: process.stdin, output: process.stderr });
          const answer = await prompt.question(
            `Remove ${preview.count} sessions (${statuses.join(", ")}, last changed before ${cutoff}) from ${label}? [y/N] `,
          );
          prompt.close();
          if (!/^y(es)?$/i.test(answer.trim())) {
            out.note("nothing removed");
            return;
          }
        }
        report(out, await store.prune({ olderThan: cutoff, statuses }), cutoff, statuses);
        return;
      }),
    );
}

function report(out: Output, result: PruneResult, cutoff: string, statuses: SessionStatus[]): void {
  if (out.format === "json") out.json({ ...result, cutoff, statuses });
  else if (out.format === "jsonl") for (const id of result.ids) out.json({ id, removed: !result.dryRun });
  else {
    for (const id of result.ids) out.line(id);
    out.note(
      `${result.dryRun ? "would remove" : "removed"} ${result.count} sessions (${statuses.join(",")}, updatedAt before ${cutoff})`,
    );
  }
}
