#!/usr/bin/env node
// Copies every session and its history from an fs or SQLite store into PostgreSQL with core's
// export/import, prints progress to stderr, then verifies counts and statistics on both sides.
// Exit codes: 0 copied and verified, 1 verification failed or copy error, 2 bad arguments.
import { parseArgs } from "node:util";
import { copySessions } from "@sessionkit/core";
import { canonicalJson } from "@sessionkit/core/driver";
import { openPostgresStore } from "@sessionkit/store-postgres";

const USAGE = `Usage: migrate.mjs (--from-fs <dir> | --from-sqlite <file>) --to <postgres-url> [--schema <name>]
                   [--every <n>] [--overwrite] [--deep]

  --from-fs <dir>       the fs store's directory (createFsStore({ dir }))
  --from-sqlite <file>  the SQLite store's database file
  --to <url>            PostgreSQL connection string, e.g. postgres://user@host:5432/db
  --schema <name>       PostgreSQL schema for the tables (default "sessionkit")
  --every <n>           print a progress line every n sessions (default 100)
  --overwrite           replace sessions that already exist in PostgreSQL (default: refuse)
  --deep                after copying, compare every session and every event on both sides`;

function fail(message, code = 2) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let args;
try {
  args = parseArgs({
    options: {
      "from-fs": { type: "string" },
      "from-sqlite": { type: "string" },
      to: { type: "string" },
      schema: { type: "string" },
      every: { type: "string" },
      overwrite: { type: "boolean" },
      deep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
} catch (error) {
  fail(`${error.message}\n\n${USAGE}`);
}
if (args.help) fail(USAGE, 0);
if (Boolean(args["from-fs"]) === Boolean(args["from-sqlite"]))
  fail(`Give exactly one of --from-fs or --from-sqlite.\n\n${USAGE}`);
if (!args.to) fail(`Give --to <postgres-url>.\n\n${USAGE}`);
const every = args.every === undefined ? 100 : Number(args.every);
if (!Number.isInteger(every) || every < 1)
  fail(`--every must be a positive integer, got ${JSON.stringify(args.every)}.`);

async function openSource() {
  if (args["from-fs"]) {
    const { createFsStore } = await import("@sessionkit/store-fs");
    return createFsStore({ dir: args["from-fs"] });
  }
  // Loaded only when asked for, so an fs migration does not need the native SQLite module.
  const { createSqliteStore } = await import("@sessionkit/store-sqlite");
  return createSqliteStore({ filename: args["from-sqlite"] });
}

// Stores may order a record's keys differently; compare in core's canonical form (the export's bytes).
const same = (a, b) => canonicalJson(a) === canonicalJson(b);

async function main() {
  const source = await openSource();
  const target = await openPostgresStore(
    { connectionString: args.to, max: 4 },
    args.schema ? { schema: args.schema } : {},
  );
  try {
    const total = await source.count();
    const before = await target.count();
    if (before > 0 && !args.overwrite) {
      fail(
        `The target schema already holds ${before} sessions. Use an empty schema, or pass --overwrite to replace same-id sessions.`,
        1,
      );
    }
    process.stderr.write(`Copying ${total} sessions from ${source.name} to ${target.name}…\n`);
    const started = Date.now();
    const corrupt = [];
    const copied = await copySessions(source, target, {
      overwrite: Boolean(args.overwrite),
      onCorrupt: (report) => {
        corrupt.push(report);
        process.stderr.write(`  skipped damaged session ${report.id}: ${report.code}\n`);
      },
      onProgress: ({ sessions, events }) => {
        if (sessions % every === 0 || sessions === total) {
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          process.stderr.write(`  ${sessions}/${total} sessions, ${events} events (${seconds} s)\n`);
        }
      },
    });

    // Verification: what was read equals what is now stored, by count, event total and statistics.
    const problems = [];
    const [sourceStats, targetStats] = [await source.stats(), await target.stats()];
    if (copied.sessions !== total)
      problems.push(`copied ${copied.sessions} sessions, the source holds ${total}`);
    if (copied.events !== sourceStats.events)
      problems.push(`copied ${copied.events} events, the source holds ${sourceStats.events}`);
    if (before === 0) {
      if ((await target.count()) !== total)
        problems.push(`the target holds ${await target.count()} sessions, the source ${total}`);
      if (!same(sourceStats, targetStats)) {
        problems.push(
          `statistics differ:\n    source ${JSON.stringify(sourceStats)}\n    target ${JSON.stringify(targetStats)}`,
        );
      }
    }
    if (args.deep) {
      let cursor = null;
      let checked = 0;
      do {
        const page = await source.list({ limit: 200, cursor });
        for (const { id } of page.items) {
          const [a, b] = [await source.getWithHistory(id), await target.getWithHistory(id)];
          if (!same(a, b)) problems.push(`session ${id} differs`);
          checked++;
        }
        cursor = page.nextCursor;
      } while (cursor);
      process.stderr.write(`  compared ${checked} sessions and their histories one by one\n`);
    }
    if (corrupt.length > 0)
      problems.push(
        `${corrupt.length} damaged source sessions were not copied: ${corrupt.map((r) => r.id).join(", ")}`,
      );

    const summary = {
      sessions: copied.sessions,
      events: copied.events,
      source: sourceStats,
      target: targetStats,
    };
    process.stdout.write(`${JSON.stringify({ ok: problems.length === 0, ...summary, problems })}\n`);
    if (problems.length > 0) {
      process.stderr.write(`Verification FAILED:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(
        `Verified: ${copied.sessions} sessions and ${copied.events} events on both sides, statistics equal.\n`,
      );
    }
  } finally {
    await target.close();
    await source.close();
  }
}

main().catch((error) => {
  process.stderr.write(`Migration failed: ${error.code ? `${error.code}: ` : ""}${error.message}\n`);
  process.exitCode = 1;
});
