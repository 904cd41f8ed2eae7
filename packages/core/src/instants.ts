/**
 * The one reader of instants: every timestamp entering a store (a filter bound, a prune cutoff,
 * an imported record, a patch field, the clock's reading) passes here, so every adapter orders
 * the same instants the same way.
 *
 * Stores compare instants as text (`YYYY-MM-DDTHH:mm:ss.sssZ` sorts like time), which holds only
 * for years 0000–9999: `toISOString()` writes year 10000 as "+010000-…" and year -1 as
 * "-000001-…", both of which sort before "2026-…". Such instants are refused, not reordered.
 */

/** The earliest instant a store accepts: 0000-01-01T00:00:00.000Z. */
export const MIN_INSTANT_MS = -62_167_219_200_000;
/** The latest instant a store accepts: 9999-12-31T23:59:59.999Z. */
export const MAX_INSTANT_MS = 253_402_300_799_999;

/** What an instant string must look like: a date, or a date and time with an explicit offset. */
export const INSTANT_FORMAT = "YYYY-MM-DD (midnight UTC) or YYYY-MM-DDTHH:mm[:ss[.sss]] with Z or ±hh:mm";

// A time without an offset is refused: JavaScript reads it in the host's local time zone, so one
// query would answer differently on two hosts. A bare date is midnight UTC (ECMAScript's rule).
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The reading of an instant: its canonical text, or why it was refused. */
export type InstantReading = { ok: true; iso: string } | { ok: false; reason: string };

const refuse = (reason: string): InstantReading => ({ ok: false, reason });

/**
 * Reads a Date, epoch milliseconds or ISO-8601 text into `YYYY-MM-DDTHH:mm:ss.sssZ`. Refuses text
 * without an offset, impossible calendar dates ("2099-02-30"), and anything outside years 0000–9999.
 */
export function readInstant(value: unknown): InstantReading {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "number") ms = value;
  else if (typeof value === "string") {
    const parsed = parseInstantText(value);
    if (typeof parsed === "string") return refuse(parsed);
    ms = parsed;
  } else return refuse("a Date, epoch milliseconds or ISO-8601 text");
  if (!Number.isFinite(ms)) return refuse("a valid time (this one is not a number)");
  if (ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS) {
    return refuse("an instant from 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z");
  }
  return { ok: true, iso: new Date(ms).toISOString() };
}

/** Epoch milliseconds of strict ISO text, or the reason it is refused. */
function parseInstantText(text: string): number | string {
  const match = ISO_INSTANT.exec(text);
  if (!match) return `ISO-8601 text: ${INSTANT_FORMAT}`;
  const [, y, mo, d, h = "00", mi = "00", s = "00", fraction = "", offset = "Z"] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return `a real calendar date (${y}-${mo} has no day ${d})`;
  }
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return "a time of day from 00:00:00 to 23:59:59";
  let offsetMinutes = 0;
  if (offset !== "Z") {
    const offsetHours = Number(offset.slice(1, 3));
    const minutes = Number(offset.slice(4, 6));
    if (offsetHours > 23 || minutes > 59) return "an offset from -23:59 to +23:59";
    offsetMinutes = (offset[0] === "-" ? -1 : 1) * (offsetHours * 60 + minutes);
  }
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(Number(h), Number(mi), Number(s), Number(fraction.padEnd(3, "0").slice(0, 3)));
  return date.getTime() - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
