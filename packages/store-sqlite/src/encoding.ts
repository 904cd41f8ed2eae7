import type { MetadataFilterValue } from "@sessionkit/core/driver";

const METADATA_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * The exact, UTF-8-safe text form of a user string: its JSON text. JSON.stringify escapes NUL
 * and lone surrogates, so distinct strings stay distinct in a TEXT column and in an index.
 */
export function encodeText(value: string): string {
  return JSON.stringify(value);
}

/** The text a metadata filter value is indexed and compared as; type-exact (`"1"` ≠ `1`, `true` ≠ `1`). */
export function encodeScalar(value: MetadataFilterValue): string {
  return JSON.stringify(value);
}

/**
 * The (key, value) rows of the metadata index: top-level keys a filter can name, with scalar
 * values. Objects and arrays never equal a filter value, so they are not indexed.
 */
export function metadataIndexRows(metadata: unknown): Array<[string, string]> {
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) return [];
  const rows: Array<[string, string]> = [];
  for (const key of Object.keys(metadata)) {
    if (!METADATA_KEY.test(key)) continue;
    const value = (metadata as Record<string, unknown>)[key];
    if (
      value === null ||
      typeof value === "string" ||
      typeof value === "boolean" ||
      typeof value === "number"
    ) {
      rows.push([key, JSON.stringify(value)]);
    }
  }
  return rows;
}

/** The indexed prefix of an updated_at timestamp (to the minute); a prefix keeps string order. */
export function toMinute(timestamp: string): string {
  return timestamp.slice(0, 16);
}
