import pc from "picocolors";
import { renderTable } from "./table.js";

/** How a verb prints its answer: a table for people, one JSON document, or JSON Lines for pipes. */
export type Format = "table" | "json" | "jsonl";

/** Colours that switch off with --no-color, NO_COLOR or a non-terminal stdout. */
export type Colors = ReturnType<typeof pc.createColors>;

/** Where a verb writes: data to stdout, notes and progress to stderr (so pipes stay clean). */
export interface Output {
  format: Format;
  colors: Colors;
  /** Writes one line to stdout. */
  line(text: string): void;
  /** Writes one line to stderr (notes, warnings, prompts). */
  note(text: string): void;
  /** Prints `value` as one JSON document (json) or one line (jsonl); for table output use table(). */
  json(value: unknown): void;
  /** A table with these column headings and rows of cells. */
  table(head: string[], rows: Array<Array<string | number>>): void;
}

/** The output of one run. */
export function createOutput(format: Format, color: boolean): Output {
  const colors = pc.createColors(color && pc.isColorSupported && process.stdout.isTTY === true);
  const write = (stream: NodeJS.WriteStream, text: string) => stream.write(`${text}\n`);
  return {
    format,
    colors,
    line: (text) => write(process.stdout, text),
    note: (text) => write(process.stderr, text),
    json: (value) =>
      write(process.stdout, format === "json" ? JSON.stringify(value, null, 2) : JSON.stringify(value)),
    table: (head, rows) =>
      write(
        process.stdout,
        renderTable(
          head.map((cell) => colors.bold(cell)),
          rows.map((row) => row.map((cell) => String(cell))),
        ),
      ),
  };
}

/** Colours a status the same way in every verb. */
export function paintStatus(colors: Colors, status: string): string {
  if (status === "completed") return colors.green(status);
  if (status === "failed" || status === "timeout") return colors.red(status);
  if (status === "paused") return colors.yellow(status);
  return colors.cyan(status);
}

/** A value cut to `width` characters for a table cell. */
export function clip(value: unknown, width = 40): string {
  const text =
    value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
