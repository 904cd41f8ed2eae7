import type { SessionEvent, SessionStore, WatchItem } from "@sessionkit/core";
import { errors, SessionKitError } from "@sessionkit/core/driver";
import type { Command } from "commander";
import { usageError } from "../errors.js";
import { parseCount } from "../options.js";
import { clip, type Output } from "../output.js";
import type { Wrap } from "../program.js";

interface TailOptions {
  all?: boolean;
  follow?: boolean;
  lines: number;
}

/** `sessionkit tail <id>|--all [-f]`: the last events, then (with -f) new ones as they are committed. */
export function registerTail(program: Command, wrap: Wrap): void {
  program
    .command("tail [id]")
    .description(
      "Print the last events of a session (or of the newest sessions with --all); -f keeps following.",
    )
    .option("--all", "every session instead of one")
    .option("-f, --follow", "keep printing events as they are committed (needs a store with a change feed)")
    .option(
      "-n, --lines <n>",
      "how many of the last events to print first",
      parseCount("--lines", 0, 100_000),
      20,
    )
    .addHelpText(
      "after",
      "\nExamples:\n  sessionkit tail session_V1StGXR8_Z5jdHi6B -n 50\n  sessionkit tail --all -f --jsonl",
    )
    .action(
      wrap<TailOptions>(async ({ out, open }, options, id) => {
        if ((id === undefined) === !options.all)
          throw usageError("Expected a session id or --all (exactly one). Example: sessionkit tail <id> -f");
        const { store, label } = await open({ create: false });
        if (options.follow && store.capabilities.watch !== true) {
          throw new SessionKitError(
            "ERR_UNSUPPORTED_CAPABILITY",
            `[cli] The store ${label} has no change feed (store.watch), so tail -f cannot follow it. Run without -f to print the last events, or upgrade the store package to one with watch().`,
            { details: { capability: "watch" } },
          );
        }
        const recent =
          id !== undefined ? await lastOf(store, id, options.lines) : await lastOfAll(store, options.lines);
        for (const item of recent) print(out, item.id, item.event);
        if (!options.follow) return;
        await follow(out, store, id, id !== undefined ? await shownUpTo(store, id, recent) : undefined);
        return;
      }),
    );
}

async function lastOf(store: SessionStore, id: string, count: number) {
  if ((await store.get(id)) === null) throw errors.notFound("cli", id);
  const events = count > 0 ? await store.readEvents(id, { last: count }) : [];
  return events.map((event) => ({ id, event }));
}

/** The last `count` events over the newest page of sessions, in time order. */
async function lastOfAll(store: SessionStore, count: number) {
  if (count === 0) return [];
  const page = await store.list({ limit: 50 });
  const all: Array<{ id: string; event: SessionEvent }> = [];
  for (const summary of page.items) {
    for (const event of await store.readEvents(summary.id, { last: count }))
      all.push({ id: summary.id, event });
  }
  all.sort((a, b) => a.event.timestamp.localeCompare(b.event.timestamp) || a.event.seq - b.event.seq);
  return all.slice(-count);
}

function print(out: Output, id: string, event: SessionEvent): void {
  if (out.format !== "table") out.line(JSON.stringify({ id, ...event }));
  else
    out.line(
      `${event.timestamp} ${out.colors.dim(id)} #${event.seq} ${out.colors.magenta(event.type)} ${clip(event.data, 100)}`,
    );
}

/** The seq the feed resumes after: the last event printed, or the session's count when none was. */
async function shownUpTo(store: SessionStore, id: string, recent: Array<{ event: SessionEvent }>) {
  return recent.at(-1)?.event.seq ?? (await store.get(id))?.eventCount ?? 0;
}

/**
 * Prints committed changes until SIGINT or SIGTERM (exit 0). A session is followed from the seq
 * printed last (`since`), so an event committed between the read and the watch is not missed;
 * --all follows from now on.
 */
async function follow(out: Output, store: SessionStore, id: string | undefined, since: number | undefined) {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // A feed may wait on nothing that keeps Node alive (the memory store's does not), so this does.
  const alive = setInterval(() => undefined, 1 << 30);
  try {
    const feed = store.watch(id ?? {}, {
      signal: controller.signal,
      ...(since !== undefined ? { since } : {}),
    });
    for await (const item of feed) printChange(out, item);
  } finally {
    clearInterval(alive);
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

/** An item of the feed: its event like any other, or one line for a change without events. */
function printChange(out: Output, item: WatchItem): void {
  if (item.event) print(out, item.sessionId, item.event);
  else if (out.format !== "table")
    out.line(JSON.stringify({ id: item.sessionId, change: item.change.kind, status: item.change.status }));
  else
    out.line(
      `${out.colors.dim(item.sessionId)} ${out.colors.yellow(item.change.kind)}${item.change.status ? ` (${item.change.status})` : ""}`,
    );
}
