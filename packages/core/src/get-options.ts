import { errors } from "./errors.js";
import type { GetOptions } from "./store.js";

/**
 * The operation id of get()'s options, checked by hand: the manager passes them on every read
 * before a commit, where a zod parse would cost a measurable share of a memory commit.
 */
export function parseGetOptions(options: GetOptions, name: string): string | undefined {
  const operationId = (options as { operationId?: unknown } | null)?.operationId;
  const keys = options !== null && typeof options === "object" ? Object.keys(options) : undefined;
  const valid =
    keys?.every((key) => key === "operationId") === true &&
    (operationId === undefined ||
      (typeof operationId === "string" && operationId.length > 0 && operationId.length <= 200));
  if (!valid) {
    throw errors.invalidInput(
      name,
      "`options` to be { operationId?: string } (1-200 characters)",
      options,
      "Pass the operation id the read is for, or no options.",
    );
  }
  return operationId as string | undefined;
}
