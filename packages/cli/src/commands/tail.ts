import { type SessionEvent, SessionKitError, type SessionStore } from "@sessionkit/core";
import { errors } from "@sessionkit/core/driver";
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

/** The change feed of DESIGN.md ("Watch"), typed structurally so the CLI needs no newer core to use it. */
interface WatchableStore {
  watch(scope: { id?: string }, options?: { since?: string }): AsyncIterable<unknown>;
}

const hasWatch = (store: SessionStore): store is SessionStore & WatchableStore =>
  typeof (store as Partial<WatchableStore>).watch === "function";

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
        if (options.follow && !hasWatch(store)) {
          throw new SessionKitError(
            "ERR_UNSUPPORTED_CAPABILITY",
            `[cli] The store ${label} has no change feed (store.watch), so tail -f cannot follow it yet. Run without -f to print the last events, or upgrade the store package once it ships watch().`,
            { details: { capability: "watch" } },
          );
        }
        const recent =
          id !== undefined ? await lastOf(store, id, options.lines) : await lastOfAll(store, options.lines);
        for (const item of recent) print(out, item.id, item.event);
        if (!options.follow || !hasWatch(store)) return;
        for await (const change of store.watch(id !== undefined ? { id } : {})) printChange(out, change);
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

/** A change of the feed: its events when it carries them, otherwise the change as JSON. */
function printChange(out: Output, change: unknown): void {
  const value = change as {
    id?: string;
    sessionId?: string;
    session?: { id?: string };
    events?: SessionEvent[];
  };
  const id = value.id ?? value.sessionId ?? value.session?.id ?? "";
  if (Array.isArray(value.events) && value.events.length > 0)
    for (const event of value.events) print(out, id, event);
  else out.line(JSON.stringify(change));
}
