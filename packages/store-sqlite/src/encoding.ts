import { indexableMetadata, type MetadataFilterValue } from "@sessionkit/core/driver";

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
  return indexableMetadata(metadata).map(([key, value]) => [key, JSON.stringify(value)]);
}

/** The indexed prefix of an updated_at timestamp (to the minute); a prefix keeps string order. */
export function toMinute(timestamp: string): string {
  return timestamp.slice(0, 16);
}
