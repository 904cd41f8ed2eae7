import { isSessionKitError } from "@sessionkit/core";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The one JSON error shape the API answers with: `{ error: { code, message } }`. */
export function httpError(c: Context, status: ContentfulStatusCode, code: string, message: string) {
  return c.json({ error: { code, message } }, status);
}

const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  ERR_SESSION_NOT_FOUND: 404,
  ERR_INVALID_ID: 400,
  ERR_INVALID_INPUT: 400,
  ERR_INVALID_QUERY: 400,
  ERR_INVALID_CURSOR: 400,
  ERR_INVALID_TRANSITION: 409,
  ERR_VERSION_CONFLICT: 409,
  ERR_STORE_BUSY: 503,
  ERR_STORE_CLOSED: 503,
};

/** Maps a thrown error to a response: store errors keep their code, anything else is a 500. */
export function errorResponse(c: Context, error: unknown) {
  if (isSessionKitError(error)) {
    return httpError(c, STATUS_BY_CODE[error.code] ?? 500, error.code, error.message);
  }
  return httpError(c, 500, "ERR_INTERNAL", error instanceof Error ? error.message : String(error));
}
