import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { Session, SessionEvent, SessionStore } from "@sessionkit/core";
import type { Command } from "commander";
import { EXIT, usageError } from "../errors.js";
import { type Checkpoint, checkpointFiles, defaultCheckpointPath, type SumLine } from "../migrate-state.js";
import { parseCount } from "../options.js";
import type { Output } from "../output.js";
import { forEachLimited } from "../pool.js";
import type { Wrap } from "../program.js";

type Checksum = (session: Session, events: SessionEvent[]) => string;

/** Target sessions listed per page of the parity check. */
const PARITY_PAGE = 500;

interface MigrateOptions {
  from: string;
  to: string;
  batch: number;
  resume?: boolean;
  checkpoint?: string;
  concurrency: number;
  throttle: number;
}

/** The parity report: counts and a checksum per session on both sides. */
export interface ParityReport {
  clean: boolean;
  sessions: { source: number; target: number };
  events: { source: number; target: number };
  /** In the source, not in the target. */
  missing: string[];
  /** In the target, not in the source. */
  extra: string[];
  /** In both, with different checksums. */
  mismatched: string[];
  checksums: Array<{ id: string; source: string | null; target: string | null }>;
}

/** `sessionkit migrate`: copy every session from one store to another in checkpointed batches, then prove parity. */
export function registerMigrate(program: Command, wrap: Wrap): void {
  program
    .command("migrate")
    .description(
      "Copy every session with its history from one store to another; resumable, with a parity report.",
    )
    .requiredOption("--from <url>", "the source store")
    .requiredOption("--to <url>", "the target store (created when missing)")
    .option("--batch <n>", "sessions per checkpointed batch", parseCount("--batch", 1, 1000), 200)
    .option("--resume", "continue an interrupted migration from its checkpoint")
    .option(
      "--checkpoint <file>",
      "checkpoint file (default: .sessionkit-migrate-<hash>.json in the current directory)",
    )
    .option(
      "--concurrency <n>",
      "sessions copied at once inside a batch",
      parseCount("--concurrency", 1, 64),
      8,
    )
    .option(
      "--throttle <ms>",
      "pause between batches, to spare a busy production store",
      parseCount("--throttle", 0, 60_000),
      0,
    )
    .addHelpText(
      "after",
      "\nA killed migration (even SIGKILL) resumes with --resume: each batch is written to the target and then\ncheckpointed, and a batch redone after a kill overwrites its own sessions. Exit code 3 when the parity\nreport is not clean.\n\nExamples:\n  sessionkit migrate --from fs:./sessions --to 'postgres://app@db/app?schema=sessionkit'\n  sessionkit migrate --from fs:./sessions --to sqlite:./sessions.db --resume",
    )
    .action(
      wrap<MigrateOptions>(async ({ out, open }, options) => {
        const source = await open({ create: false }, options.from);
        const target = await open({ create: true }, options.to);
        const files = checkpointFiles(
          options.checkpoint ?? defaultCheckpointPath(source.label, target.label),
        );
        let checkpoint: Checkpoint;
        if (files.exists()) {
          if (!options.resume) {
            throw usageError(
              `A checkpoint of an earlier migration exists at ${JSON.stringify(files.path)}. Pass --resume to continue it, or delete it (and its .sums.jsonl) to start over.`,
            );
          }
          checkpoint = files.read();
          if (checkpoint.from !== source.label || checkpoint.to !== target.label) {
            throw usageError(
              `The checkpoint ${JSON.stringify(files.path)} belongs to ${checkpoint.from} → ${checkpoint.to}, not ${source.label} → ${target.label}. Pass --checkpoint for this pair.`,
            );
          }
        } else {
          if ((await target.store.count()) > 0) {
            throw usageError(
              `The target ${target.label} already holds sessions. Migrate into an empty store (or use sessionkit import --on-conflict …).`,
            );
          }
          rmSync(files.sums, { force: true });
          checkpoint = {
            from: source.label,
            to: target.label,
            cursor: null,
            sessions: 0,
            events: 0,
            batches: 0,
            startedAt: new Date().toISOString(),
            done: false,
          };
          files.write(checkpoint);
        }
        if (!checkpoint.done) await copyBatches(out, source.store, target.store, files, checkpoint, options);
        const report = await parity(files.readSums(), target.store, options.concurrency);
        printReport(out, report, source.label, target.label, checkpoint);
        return report.clean ? EXIT.ok : EXIT.problems;
      }),
    );
}

async function copyBatches(
  out: Output,
  source: SessionStore,
  target: SessionStore,
  files: ReturnType<typeof checkpointFiles>,
  checkpoint: Checkpoint,
  options: MigrateOptions,
): Promise<void> {
  const checksum = (await import("../checksum.js")).sessionChecksum;
  const total = await source.count();
  const cliProgress = process.stderr.isTTY ? (await import("cli-progress")).default : undefined;
  const bar =
    cliProgress && out.format === "table"
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: "migrating [{bar}] {value}/{total} sessions | {events} events | {eta_formatted} left",
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(Math.max(total, checkpoint.sessions), checkpoint.sessions, { events: checkpoint.events });
  if (checkpoint.sessions > 0 && !bar)
    out.note(`resuming after ${checkpoint.sessions} sessions (${checkpoint.batches} batches)`);
  try {
    // Read-ahead: the next batch is read (and checksummed) from the source while this one is
    // written, so a migration costs about max(read, write) per batch instead of their sum.
    let next = readBatch(source, checkpoint.cursor, options, checksum);
    for (;;) {
      const { page, records, sums } = await next;
      if (page.nextCursor !== null) {
        next = readBatch(source, page.nextCursor, options, checksum);
        next.catch(() => undefined); // awaited on the next turn; no unhandled rejection meanwhile
      }
      for (const report of page.corrupt)
        out.note(`warning ${report.code}: ${report.id} was not copied: ${report.message}`);
      // overwrite: a batch redone after a kill finds its own sessions from the killed run.
      await target.importMany(records, { onConflict: "overwrite" });
      files.appendSums(sums);
      checkpoint.cursor = page.nextCursor;
      checkpoint.sessions += sums.length;
      checkpoint.events += sums.reduce((sum, line) => sum + line.events, 0);
      checkpoint.batches += 1;
      checkpoint.done = page.nextCursor === null;
      files.write(checkpoint);
      bar?.update(checkpoint.sessions, { events: checkpoint.events });
      if (checkpoint.done) break;
      if (options.throttle > 0) await sleep(options.throttle);
    }
  } finally {
    bar?.stop();
  }
}

/** One batch of the source after `cursor`: its page, the sessions with their histories, their checksums. */
async function readBatch(
  source: SessionStore,
  cursor: string | null,
  options: MigrateOptions,
  checksum: Checksum,
) {
  const page = await source.list({ limit: options.batch, cursor });
  const read = await readAll(source, page.items, options.concurrency);
  const records = read.filter((record) => record !== null);
  const sums: SumLine[] = records.map(({ session, events }) => ({
    id: session.id,
    sum: checksum(session, events),
    events: events.length,
  }));
  return { page, records, sums };
}

/** The sessions of `items` with their histories, in order; null for one deleted while we walked. */
async function readAll(store: SessionStore, items: Array<{ id: string }>, concurrency: number) {
  const read: Array<{ session: Session; events: SessionEvent[] } | null> = new Array(items.length).fill(null);
  const indexes = items.map((_, index) => index);
  await forEachLimited(indexes, concurrency, async (index) => {
    const full = await store.getWithHistory(items[index]!.id);
    if (full === null) return;
    const { history, ...session } = full;
    read[index] = { session, events: history };
  });
  return read;
}

/** Reads every target session and compares its checksum with the one taken from the source. */
async function parity(
  sourceSums: Map<string, SumLine>,
  target: SessionStore,
  concurrency: number,
): Promise<ParityReport> {
  const { sessionChecksum } = await import("../checksum.js");
  const targetSums = new Map<string, SumLine>();
  // Pages of the target read ahead of their checksums, as the copy reads the source.
  let next = target.list({ limit: PARITY_PAGE, cursor: null });
  for (;;) {
    const page = await next;
    if (page.nextCursor !== null) {
      next = target.list({ limit: PARITY_PAGE, cursor: page.nextCursor });
      next.catch(() => undefined);
    }
    for (const record of await readAll(target, page.items, concurrency)) {
      if (record === null) continue;
      const { session, events } = record;
      targetSums.set(session.id, {
        id: session.id,
        sum: sessionChecksum(session, events),
        events: events.length,
      });
    }
    for (const report of page.corrupt)
      targetSums.set(report.id, { id: report.id, sum: report.code, events: 0 });
    if (page.nextCursor === null) break;
  }
  const ids = [...new Set([...sourceSums.keys(), ...targetSums.keys()])].sort();
  const report: ParityReport = {
    clean: true,
    sessions: { source: sourceSums.size, target: targetSums.size },
    events: { source: 0, target: 0 },
    missing: [],
    extra: [],
    mismatched: [],
    checksums: [],
  };
  for (const id of ids) {
    const a = sourceSums.get(id);
    const b = targetSums.get(id);
    report.events.source += a?.events ?? 0;
    report.events.target += b?.events ?? 0;
    report.checksums.push({ id, source: a?.sum ?? null, target: b?.sum ?? null });
    if (!b) report.missing.push(id);
    else if (!a) report.extra.push(id);
    else if (a.sum !== b.sum) report.mismatched.push(id);
  }
  report.clean = report.missing.length + report.extra.length + report.mismatched.length === 0;
  return report;
}

function printReport(
  out: Output,
  report: ParityReport,
  from: string,
  to: string,
  checkpoint: Checkpoint,
): void {
  if (out.format === "json") {
    out.json({ from, to, batches: checkpoint.batches, ...report });
    return;
  }
  if (out.format === "jsonl") {
    for (const row of report.checksums) out.json(row);
    return;
  }
  out.table(
    ["parity", "source", "target"],
    [
      ["sessions", report.sessions.source, report.sessions.target],
      ["events", report.events.source, report.events.target],
      ["missing in target", "", report.missing.length],
      ["only in target", "", report.extra.length],
      ["checksum differs", "", report.mismatched.length],
    ],
  );
  for (const id of [...report.missing, ...report.extra, ...report.mismatched].slice(0, 50))
    out.note(`differs: ${id}`);
  out.line(
    report.clean
      ? out.colors.green(
          `parity clean: ${report.sessions.target} sessions, every checksum equal (${from} → ${to})`,
        )
      : out.colors.red("parity NOT clean"),
  );
}
