import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";
import type { ExportRecord, SessionStore } from "@sessionkit/core";
import { isSessionKitError, SessionKitError } from "@sessionkit/core/driver";
import { type Command, Option } from "commander";
import { EXIT } from "../errors.js";
import { addFilterOptions, type FilterOptions, filterFrom } from "../options.js";
import type { Wrap } from "../program.js";

interface ExportOptions extends FilterOptions {
  out?: string;
}

interface ImportOptions {
  in?: string;
  onConflict: "skip" | "fail" | "overwrite";
}

/** Writes a line, waiting for the stream to drain when it asks to. */
async function writeLine(stream: Writable, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, "drain");
}

/** `sessionkit export` and `sessionkit import`: the store as JSON Lines, and back. */
export function registerTransfer(program: Command, wrap: Wrap): void {
  const exporter = program
    .command("export")
    .description(
      "Write sessions with their histories as canonical JSON Lines (a header, then one session per line, keys sorted: the same data gives the same bytes from every store).",
    )
    .option("-o, --out <file>", "write to this file instead of stdout");
  addFilterOptions(exporter)
    .addHelpText(
      "after",
      "\nExamples:\n  sessionkit export > sessions.jsonl\n  sessionkit export --store sqlite:./sessions.db --status completed -o done.jsonl",
    )
    .action(
      wrap<ExportOptions>(async ({ out, open }, options) => {
        const { store } = await open({ create: false });
        const { exportSessions } = await import("@sessionkit/core");
        const stream = options.out ? createWriteStream(options.out) : process.stdout;
        let corrupt = 0;
        let sessions = -1;
        for await (const line of exportSessions(store, {
          filter: filterFrom(options),
          onCorrupt(report) {
            corrupt += 1;
            out.note(`warning ${report.code}: ${report.id} was not exported: ${report.message}`);
          },
        })) {
          // core writes canonical lines: the same data gives the same bytes from every store.
          await writeLine(stream, line);
          sessions += 1;
        }
        if (stream !== process.stdout) {
          stream.end();
          await once(stream, "finish");
        }
        out.note(
          `exported ${sessions} sessions${corrupt > 0 ? `; ${corrupt} damaged ones skipped (run sessionkit verify)` : ""}`,
        );
        return corrupt > 0 ? EXIT.problems : EXIT.ok;
      }),
    );

  program
    .command("import")
    .description("Restore sessions from a JSON Lines export, exactly (ids, timestamps, versions, histories).")
    .option("-i, --in <file>", "read this file instead of stdin")
    .addOption(
      new Option("--on-conflict <mode>", "a session id the store already has: skip it, fail, or overwrite it")
        .choices(["skip", "fail", "overwrite"])
        .default("fail"),
    )
    .addHelpText(
      "after",
      "\nExamples:\n  sessionkit import --store sqlite:./sessions.db < sessions.jsonl\n  sessionkit import -i sessions.jsonl --on-conflict skip",
    )
    .action(
      wrap<ImportOptions>(async ({ out, open }, options) => {
        const { store } = await open({ create: true });
        const { parseExportHeader } = await import("@sessionkit/core");
        const input = options.in ? createReadStream(options.in) : process.stdin;
        const totals = { imported: 0, skipped: 0, events: 0 };
        let header = false;
        let lineNumber = 0;
        let batch: ExportRecord[] = [];
        // One batch written while the next is parsed; at most one write in flight.
        let writing: Promise<void> = Promise.resolve();
        const flush = async () => {
          await writing;
          if (batch.length === 0) return;
          writing = importBatch(store, batch, options.onConflict, totals);
          writing.catch(() => undefined); // awaited by the next flush
          batch = [];
        };
        try {
          for await (const raw of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
            lineNumber += 1;
            if (raw.trim() === "") continue;
            if (!header) {
              parseExportHeader(raw);
              header = true;
              continue;
            }
            let record: ExportRecord;
            try {
              record = parseRecord(raw, lineNumber);
            } catch (error) {
              // What came before the damaged line is imported, so the message's count is the truth.
              await flush();
              await writing;
              throw withImported(error, totals.imported);
            }
            batch.push(record);
            if (batch.length >= IMPORT_BATCH) await flush();
          }
          await flush();
          await writing;
        } catch (error) {
          if (isSessionKitError(error, "ERR_SESSION_EXISTS")) {
            throw new SessionKitError(
              "ERR_SESSION_EXISTS",
              `${error.message.replace(/ Use a new id.*$/, "")} ${totals.imported} sessions were imported before it. Run again with --on-conflict skip (keep what the store has) or overwrite.`,
              { cause: error, details: { ...error.details, imported: totals.imported } },
            );
          }
          throw error;
        }
        if (!header)
          throw new SessionKitError(
            "ERR_INVALID_INPUT",
            "[cli] The input is empty: no export header. Pipe in a file written by `sessionkit export`.",
          );
        if (out.format === "table")
          out.note(
            `imported ${totals.imported} sessions (${totals.events} events), skipped ${totals.skipped}`,
          );
        else out.json(totals);
        return;
      }),
    );
}

/**
 * Sessions per importMany call: one transaction on SQLite and PostgreSQL. Larger batches gain
 * little once the per-session commit is gone, and a batch is the unit the input is held in memory.
 */
const IMPORT_BATCH = 200;

/** Imports one batch in order, counting what it wrote; an error counts what came before it. */
async function importBatch(
  store: SessionStore,
  batch: ExportRecord[],
  onConflict: ImportOptions["onConflict"],
  totals: { imported: number; skipped: number; events: number },
): Promise<void> {
  try {
    const result = await store.importMany(batch, { onConflict });
    const events = new Map(batch.map((record) => [record.session.id, record.events.length]));
    totals.imported += result.imported.length;
    totals.skipped += result.skipped.length;
    for (const id of result.imported) totals.events += events.get(id) ?? 0;
  } catch (error) {
    // importMany says how far it got: everything before details.index is in the store.
    if (isSessionKitError(error)) {
      totals.imported += Number(error.details.imported ?? 0);
      totals.skipped += Number(error.details.skipped ?? 0);
    }
    throw error;
  }
}

/** The error with the number of sessions already imported added to its message and details. */
function withImported(error: unknown, imported: number): unknown {
  if (!isSessionKitError(error)) return error;
  return new SessionKitError(error.code, `${error.message} ${imported} sessions before it were imported.`, {
    cause: error.cause,
    details: { ...error.details, imported },
  });
}

function parseRecord(line: string, lineNumber: number): ExportRecord {
  let record: ExportRecord;
  try {
    record = JSON.parse(line) as ExportRecord;
  } catch (cause) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[cli] Line ${lineNumber} of the export is not JSON: the file is damaged. Fix or cut that line, then import again with --on-conflict skip.`,
      {
        cause,
        details: { line: lineNumber },
      },
    );
  }
  if (
    record === null ||
    typeof record !== "object" ||
    typeof record.session !== "object" ||
    !Array.isArray(record.events)
  ) {
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[cli] Expected line ${lineNumber} of the export to hold {session, events}: the file is damaged. Fix or cut that line, then import again with --on-conflict skip.`,
      {
        details: { line: lineNumber },
      },
    );
  }
  return record;
}
