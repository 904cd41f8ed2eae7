import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { httpError } from "./http-errors.js";

/** A fresh access token: 32 random bytes, base64url. */
export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The CSRF token for a given access token: derived, so nothing extra has to be stored. */
export function csrfTokenFor(accessToken: string): string {
  return createHmac("sha256", accessToken).update("sessionkit-ui csrf v1").digest("base64url");
}

function same(a: string | undefined, b: string): boolean {
  if (typeof a !== "string") return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Every request must carry the token: in the `token` query parameter (the printed URL), in an
 * `Authorization: Bearer` header, or in the cookie set on the first authorised page load. Cookies are
 * not scoped by port, so the cookie's name carries the port to keep two inspectors apart.
 */
export function requireToken(token: string, cookieName: () => string): MiddlewareHandler {
  return async (c, next) => {
    const fromQuery = c.req.query("token");
    const header = c.req.header("authorization");
    const fromHeader = header?.startsWith("Bearer ") ? header.slice(7) : undefined;
    const fromCookie = getCookie(c, cookieName());
    if (!same(fromQuery, token) && !same(fromHeader, token) && !same(fromCookie, token)) {
      return httpError(
        c,
        401,
        "ERR_UNAUTHORIZED",
        "Open the URL the inspector printed (it carries the token).",
      );
    }
    if (same(fromQuery, token) && !same(fromCookie, token)) {
      setCookie(c, cookieName(), token, { httpOnly: true, sameSite: "Strict", path: "/" });
    }
    await next();
  };
}

/**
 * State-changing requests need the CSRF token in `x-csrf-token`, a JSON body and, when the browser
 * sends one, an Origin equal to the inspector's own. A custom header cannot be set by a cross-site
 * form, and SameSite=Strict keeps the cookie off cross-site requests; the three together are cheap.
 */
export function requireCsrf(csrfToken: string): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const origin = c.req.header("origin");
    const host = c.req.header("host");
    if (origin !== undefined && origin !== `http://${host}`) {
      return httpError(c, 403, "ERR_CSRF", `Cross-origin request from ${JSON.stringify(origin)} refused.`);
    }
    if (!same(c.req.header("x-csrf-token"), csrfToken)) {
      return httpError(c, 403, "ERR_CSRF", "Missing or wrong x-csrf-token header; reload the inspector.");
    }
    if (!(c.req.header("content-type") ?? "").startsWith("application/json")) {
      return httpError(c, 415, "ERR_CSRF", "Actions take a JSON body (content-type: application/json).");
    }
    await next();
  };
}
