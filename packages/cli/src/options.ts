import type { MetadataFilterValue, SessionFilter, SessionStatus } from "@sessionkit/core";
import { readInstant, SESSION_STATUSES } from "@sessionkit/core/driver";
import { type Command, Option } from "commander";
import { usageError } from "./errors.js";

/** Options every verb understands (commander's optsWithGlobals()). */
export interface GlobalOptions {
  store?: string;
  adapter?: string;
  json?: boolean;
  jsonl?: boolean;
  debug?: boolean;
  color: boolean;
}

/** Options a filtering verb (list, stats, export, prune) receives. */
export interface FilterOptions {
  user?: string;
  channel?: string;
  mode?: string;
  status?: SessionStatus[];
  createdAfter?: string;
  createdBefore?: string;
  updatedAfter?: string;
  updatedBefore?: string;
  meta?: Array<[string, MetadataFilterValue]>;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `12h`, `90m`, `45s`, `2w` as milliseconds; null when `text` is not a duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  return match ? Number(match[1]) * (UNITS[match[2] as string] as number) : null;
}

/**
 * An instant given as ISO-8601 or as a duration before now (`7d` = seven days ago). Absolute times
 * follow the stores' own rule (core's readInstant): an offset is required, 2099-02-30 is refused.
 */
export function parseInstant(text: string, now = Date.now()): string {
  const ago = parseDuration(text);
  if (ago !== null) return new Date(now - ago).toISOString();
  const reading = readInstant(text.trim());
  if (!reading.ok) {
    throw usageError(
      `Expected an ISO-8601 time with an offset (2026-11-01T00:00:00Z, or a date 2026-11-01) or a duration like 30d, 12h, 90m, got ${JSON.stringify(text)} (expected ${reading.reason}).`,
    );
  }
  return reading.iso;
}

/** `a,b` as statuses, each checked. */
export function parseStatuses(text: string, previous: SessionStatus[] = []): SessionStatus[] {
  const out = [...previous];
  for (const part of text
    .split(",")
    .map((value) => value.trim())
    .filter(Boolean)) {
    if (!(SESSION_STATUSES as readonly string[]).includes(part)) {
      throw usageError(
        `Expected a status among ${SESSION_STATUSES.join(", ")}, got ${JSON.stringify(part)}.`,
      );
    }
    out.push(part as SessionStatus);
  }
  return out;
}

/** `key=value` compares a string; `key:=json` a typed scalar (`tier:=2`, `beta:=true`, `x:=null`). */
export function parseMeta(
  text: string,
  previous: Array<[string, MetadataFilterValue]> = [],
): Array<[string, MetadataFilterValue]> {
  const typed = /^([^=:]+):=(.*)$/.exec(text);
  if (typed) {
    let value: unknown;
    try {
      value = JSON.parse(typed[2] as string);
    } catch {
      value = undefined;
    }
    if (value !== null && !["string", "number", "boolean"].includes(typeof value)) {
      throw usageError(
        `Expected --meta key:=<JSON scalar> (a number, true, false, null or "text"), got ${JSON.stringify(text)}.`,
      );
    }
    return [...previous, [typed[1] as string, value as MetadataFilterValue]];
  }
  const plain = /^([^=]+)=(.*)$/.exec(text);
  if (!plain) throw usageError(`Expected --meta key=value or key:=json, got ${JSON.stringify(text)}.`);
  return [...previous, [plain[1] as string, plain[2] as string]];
}

/** A positive integer option. */
export function parseCount(name: string, min = 1, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw usageError(
        `Expected ${name} to be an integer from ${min} to ${max}, got ${JSON.stringify(text)}.`,
      );
    }
    return value;
  };
}

/** Adds the query API's filters to a verb. */
export function addFilterOptions(command: Command): Command {
  return command
    .option("--user <id>", "only sessions of this userId")
    .option("--channel <id>", "only sessions of this channelId")
    .option("--mode <mode>", "only sessions of this mode")
    .addOption(
      new Option("--status <list>", "only these statuses (comma-separated, repeatable)").argParser(
        parseStatuses,
      ),
    )
    .option("--created-after <time>", "created at or after (ISO-8601, or a duration ago: 7d)")
    .option("--created-before <time>", "created at or before")
    .option("--updated-after <time>", "last changed at or after")
    .option("--updated-before <time>", "last changed at or before")
    .addOption(
      new Option(
        "--meta <key=value>",
        "metadata key equals value (key:=json for numbers, booleans, null; repeatable)",
      ).argParser(parseMeta),
    );
}

/** The SessionFilter the options describe. */
export function filterFrom(options: FilterOptions): SessionFilter {
  const filter: SessionFilter = {};
  if (options.user !== undefined) filter.userId = options.user;
  if (options.channel !== undefined) filter.channelId = options.channel;
  if (options.mode !== undefined) filter.mode = options.mode;
  if (options.status !== undefined && options.status.length > 0) filter.status = options.status;
  if (options.createdAfter !== undefined) filter.createdAfter = parseInstant(options.createdAfter);
  if (options.createdBefore !== undefined) filter.createdBefore = parseInstant(options.createdBefore);
  if (options.updatedAfter !== undefined) filter.updatedAfter = parseInstant(options.updatedAfter);
  if (options.updatedBefore !== undefined) filter.updatedBefore = parseInstant(options.updatedBefore);
  if (options.meta !== undefined) filter.metadata = Object.fromEntries(options.meta);
  return filter;
}
