/**
 * Finds the events of one log line without parsing the line: a structural walk over its bytes
 * (strings skipped, brackets counted) yields the byte span of each element of its top-level `ev`
 * array. One line can hold a whole imported history (50,000 events in one line), so a range read
 * parses only the elements it returns, and stops at the last one it needs.
 */

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;

/** Index just past the string whose opening quote is at `at`, or -1 when it does not end before `end`. */
function skipString(bytes: Buffer, at: number, end: number): number {
  let pos = at + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, pos);
    if (quote < 0 || quote >= end) return -1;
    let slashes = 0;
    while (bytes[quote - 1 - slashes] === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return quote + 1;
    pos = quote + 1;
  }
}

/**
 * Calls `visit(index, start, end)` with the byte span of each element of the line's top-level `ev`
 * array, in order, until it returns false. Returns false when the bytes are not a line of the
 * expected shape (the caller then falls back to a full parse, which reports the damage).
 */
export function eachEventSpan(
  bytes: Buffer,
  start: number,
  end: number,
  visit: (index: number, from: number, to: number) => boolean,
): boolean {
  let depth = 0;
  let key: string | null = null;
  let expectKey = false;
  let inEvents = false;
  let element = -1;
  let index = 0;
  let seen = false;
  for (let pos = start; pos < end; pos++) {
    const byte = bytes[pos];
    if (byte === QUOTE) {
      const next = skipString(bytes, pos, end);
      if (next < 0) return false;
      if (depth === 1 && expectKey) key = bytes.toString("utf8", pos + 1, next - 1);
      pos = next - 1;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth += 1;
      if (depth === 1) {
        if (byte !== OPEN_OBJECT) return false;
        expectKey = true;
      } else if (depth === 2 && key === "ev") {
        if (byte !== OPEN_ARRAY) return false;
        inEvents = true;
        seen = true;
        element = pos + 1;
      }
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      if (inEvents && depth === 2) {
        if (pos > element && !visit(index, element, pos)) return true;
        inEvents = false;
      }
      depth -= 1;
      if (depth === 0) return seen;
      if (depth < 0) return false;
    } else if (byte === COLON && depth === 1) {
      expectKey = false;
    } else if (byte === COMMA) {
      if (depth === 1) expectKey = true;
      else if (inEvents && depth === 2) {
        if (!visit(index, element, pos)) return true;
        index += 1;
        element = pos + 1;
      }
    }
  }
  return false;
}
