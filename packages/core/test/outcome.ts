import { isSessionKitError } from "../src/index.js";

/** What a promise ended as: "resolved", a SessionKitError code, or "raw:…" for anything else. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return isSessionKitError(error) ? error.code : `raw:${String(error)}`;
  }
}
