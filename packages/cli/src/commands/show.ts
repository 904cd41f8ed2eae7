import type { SessionEvent } from "@sessionkit/core";
import { errors } from "@sessionkit/core/driver";
import type { Command } from "commander";
import { parseCount } from "../options.js";
import { clip, type Output, paintStatus } from "../output.js";
import type { Wrap } from "../program.js";

interface ShowOptions {
  events?: boolean;
  since?: number;
  last: number;
}

/** Fields shown in this order first; any other field a newer store adds (owner, lease, …) follows. */
const FIRST = [
  "id",
  "status",
  "mode",
  "task",
  "userId",
  "channelId",
  "workspace",
  "iterations",
  "maxIterations",
];
const LATER = [
  "createdAt",
  "updatedAt",
  "endedAt",
  "deadlineAt",
  "result",
  "error",
  "pause",
  "metadata",
  "context",
  "version",
  "eventCount",
];

/** `sessionkit show <id>`: a session's state (owner and lease when the store keeps them) and its last events. */
export function registerShow(program: Command, wrap: Wrap): void {
  program
    .command("show <id>")
    .description("Show a session's state and its last events.")
    .option("--events", "every event, not only the last ones")
    .option("--since <seq>", "events after this seq", parseCount("--since", 0))
    .option("--last <n>", "how many of the last events to show", parseCount("--last", 0, 100_000), 10)
    .addHelpText(
      "after",
      "\nExamples:\n  sessionkit show session_V1StGXR8_Z5jdHi6B\n  sessionkit show session_V1StGXR8_Z5jdHi6B --since 40 --json",
    )
    .action(
      wrap<ShowOptions>(async ({ out, open }, options, id = "") => {
        const { store } = await open({ create: false });
        const session = await store.get(id);
        if (session === null) throw errors.notFound("cli", id);
        const events = options.events
          ? await store.readEvents(id)
          : options.since !== undefined
            ? await store.readEvents(id, { fromSeq: options.since + 1 })
            : options.last > 0
              ? await store.readEvents(id, { last: options.last })
              : [];
        if (out.format !== "table") {
          out.json({ session, events });
          return;
        }
        const record = session as unknown as Record<string, unknown>;
        const keys = [
          ...FIRST,
          ...Object.keys(record).filter((key) => !FIRST.includes(key) && !LATER.includes(key)),
          ...LATER,
        ];
        out.table(
          ["field", "value"],
          keys
            .filter((key) => record[key] !== undefined)
            .map((key) => [
              key,
              key === "status" ? paintStatus(out.colors, String(record[key])) : clip(record[key], 100),
            ]),
        );
        printEvents(out, events, session.eventCount);
        return;
      }),
    );
}

/** Events as a table: seq, time, type and a one-line summary of the data. */
export function printEvents(out: Output, events: SessionEvent[], total?: number): void {
  out.table(
    ["seq", "time", "type", "data"],
    events.map((event) => [event.seq, event.timestamp, out.colors.magenta(event.type), clip(event.data, 80)]),
  );
  if (total !== undefined && events.length < total)
    out.note(`${events.length} of ${total} events shown (--events for all)`);
}
