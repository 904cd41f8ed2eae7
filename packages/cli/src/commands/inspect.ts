import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { byIdThenKind, type Finding, type Inspector, type RepairStep } from "../inspect/types.js";
import type { Output } from "../output.js";
import type { Wrap } from "../program.js";
import type { OpenedStore } from "../stores.js";

interface VerifyOptions {
  deep?: boolean;
  quarantine?: string;
}

interface RepairOptions {
  dryRun?: boolean;
  quarantine?: string;
}

/** The inspector for a store's kind; stores the CLI cannot read behind get the contract-level one. */
async function inspectorFor(opened: OpenedStore, quarantineDir: string | undefined): Promise<Inspector> {
  const { location, store } = opened;
  const base = { store, location, quarantineDir };
  // Loaded on use: each pulls in its store's raw reader (proper-lockfile, better-sqlite3, pg).
  if (location.kind === "fs" && "dir" in location) {
    const { createFsInspector } = await import("../inspect/fs-inspector.js");
    return createFsInspector({ ...base, dir: location.dir });
  }
  if (location.kind === "sqlite" && "filename" in location) {
    const { createSqliteInspector } = await import("../inspect/sqlite-inspector.js");
    return createSqliteInspector({ ...base, filename: location.filename });
  }
  if (location.kind === "postgres" && "schema" in location) {
    const { createPostgresInspector } = await import("../inspect/postgres-inspector.js");
    return createPostgresInspector({
      ...base,
      connectionString: location.connectionString,
      schema: location.schema,
    });
  }
  const { createGenericInspector } = await import("../inspect/generic-inspector.js");
  return createGenericInspector(store);
}

/** `sessionkit verify` and `sessionkit repair`: find damage by id, then fix it by a printed plan. */
export function registerInspect(program: Command, wrap: Wrap): void {
  program
    .command("verify")
    .description(
      "Check the stored data itself: corrupt records, torn log tails, seq gaps, index/row drift, stale locks, schema. Exit 3 if anything is found.",
    )
    .option(
      "--deep",
      "also read every history from its first event, and run the database's full integrity check",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  sessionkit verify\n  sessionkit verify --store sqlite:./sessions.db --deep --json",
    )
    .action(
      wrap<VerifyOptions>(async ({ out, open }, options) => {
        const opened = await open({ create: false });
        const inspector = await inspectorFor(opened, undefined);
        try {
          const findings = (await inspector.verify(options.deep === true)).sort(byIdThenKind);
          printFindings(out, findings, opened.label);
          return findings.length > 0 ? EXIT.problems : EXIT.ok;
        } finally {
          await inspector.close();
        }
      }),
    );

  program
    .command("repair")
    .description(
      "Plan repairs for what verify --deep finds, print the plan, and apply exactly it (never deletes a readable session).",
    )
    .option("--dry-run", "print the plan only")
    .option("--quarantine <dir>", "where damaged records are moved (default: beside the store's data)")
    .addHelpText(
      "after",
      "\nSteps: quarantine (damaged records, moved aside, never deleted), truncate-tail (a killed writer's torn log line),\nremove-lock (stale locks), remove-debris (temp/staging files), rebuild-index, rewrite-row (SQL columns from the record).\n`manual` steps are printed, never applied. Exit 3 when verify still finds something afterwards.\n\nExamples:\n  sessionkit repair --dry-run\n  sessionkit repair --store sqlite:./sessions.db --quarantine ./damaged",
    )
    .action(
      wrap<RepairOptions>(async ({ out, open }, options) => {
        const opened = await open({ create: false });
        const inspector = await inspectorFor(opened, options.quarantine);
        try {
          const findings = (await inspector.verify(true)).sort(byIdThenKind);
          const plan = inspector.plan(findings);
          if (options.dryRun) {
            printPlan(out, plan, true);
            return plan.length > 0 ? EXIT.problems : EXIT.ok;
          }
          for (const step of plan) if (step.action !== "manual") await inspector.apply(step);
          printPlan(out, plan, false);
          const left = await inspector.verify(true);
          if (out.format === "table") {
            out.note(
              left.length === 0
                ? "verify is clean"
                : `verify still finds ${left.length} problems (run sessionkit verify --deep)`,
            );
          }
          return left.length > 0 ? EXIT.problems : EXIT.ok;
        } finally {
          await inspector.close();
        }
      }),
    );
}

function printFindings(out: Output, findings: Finding[], label: string): void {
  if (out.format === "json") out.json({ store: label, clean: findings.length === 0, findings });
  else if (out.format === "jsonl") for (const finding of findings) out.json(finding);
  else if (findings.length === 0) out.line(out.colors.green(`${label}: clean`));
  else {
    out.table(
      ["kind", "id", "where", "detail"],
      findings.map((finding) => [
        out.colors.red(finding.kind),
        finding.id ?? "",
        finding.where,
        finding.detail,
      ]),
    );
    out.note(`${findings.length} problems found; sessionkit repair --dry-run shows how they would be fixed`);
  }
}

function printPlan(out: Output, plan: RepairStep[], dryRun: boolean): void {
  if (out.format === "json") out.json({ dryRun, plan });
  else if (out.format === "jsonl") for (const step of plan) out.json(step);
  else if (plan.length === 0) out.line("nothing to repair");
  else {
    out.table(
      ["step", "action", "id", "where", "detail"],
      plan.map((step, index) => [index + 1, step.action, step.id ?? "", step.where, step.detail]),
    );
    out.note(
      dryRun
        ? `${plan.length} steps planned; run without --dry-run to apply exactly these`
        : `${plan.filter((step) => step.action !== "manual").length} steps applied`,
    );
  }
}
