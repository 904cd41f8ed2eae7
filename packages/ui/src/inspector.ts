import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createSessionManager } from "@sessionkit/core";
import { Hono } from "hono";
import { type InspectorOptions, parseInspectorOptions } from "./options.js";
import { csrfTokenFor, generateToken, requireCsrf, requireToken } from "./server/auth.js";
import { filterFromQuery } from "./server/filters.js";
import { errorResponse, httpError } from "./server/http-errors.js";
import { listChangeRoutes } from "./server/list-live.js";
import { liveRoutes } from "./server/live.js";
import { actionRoutes } from "./server/routes-actions.js";
import { readRoutes } from "./server/routes-read.js";
import { findWebRoot, loadAssets } from "./server/static-assets.js";
import { computeStatistics } from "./server/statistics.js";

/** A running inspector. */
export interface Inspector {
  /** The URL to open, token included; the only place the token is ever printed. */
  url: string;
  token: string;
  port: number;
  /** Ends live streams and stops the server; the store stays open (its opener closes it). Idempotent. */
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  // Everything is served from the package itself: no CDN, no inline script.
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  // The token is in the URL: never send it on to another site.
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

/** The inspector's HTTP app and a way to end its live streams; startInspector() serves it. */
function createInspectorApp(
  resolved: ReturnType<typeof parseInspectorOptions>,
  token: string,
  currentPort: () => number,
): {
  app: Hono;
  abortStreams: () => void;
} {
  const { store, allowActions, pollIntervalMs } = resolved;
  const csrf = csrfTokenFor(token);
  const assets = loadAssets(findWebRoot());
  const streams = new Set<AbortController>();
  const app = new Hono();

  app.use("*", async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  });
  app.use(
    "*",
    requireToken(token, () => `sessionkit_ui_${currentPort()}`),
  );

  app.get("/api/info", (c) =>
    c.json({
      store: { name: store.name, capabilities: store.capabilities },
      allowActions,
      csrfToken: allowActions ? csrf : null,
      live: store.capabilities.watch === true ? "watch" : "poll",
      pollIntervalMs,
      now: new Date(store.clock.now()).toISOString(),
    }),
  );
  app.get("/api/stats", async (c) => {
    try {
      return c.json(await computeStatistics(store, filterFromQuery(c.req.query())));
    } catch (error) {
      return errorResponse(c, error);
    }
  });
  app.route("/api", readRoutes(store));
  app.route("/api", liveRoutes(store, pollIntervalMs, streams));
  app.route("/api", listChangeRoutes(store, streams));
  if (allowActions) {
    app.use("/api/actions/*", requireCsrf(csrf));
    app.route("/api/actions", actionRoutes(createSessionManager({ store })));
  } else {
    app.all("/api/actions/*", (c) =>
      httpError(c, 403, "ERR_ACTIONS_DISABLED", "The inspector is read-only; start it with --allow-actions."),
    );
  }
  app.all("/api/*", (c) => httpError(c, 404, "ERR_NOT_FOUND", `No API route ${c.req.path}.`));
  app.get("*", (c) => {
    const asset = assets.get(c.req.path) ?? assets.get("/index.html")!;
    const isIndex = !assets.has(c.req.path) || c.req.path === "/index.html";
    c.header("content-type", asset.type);
    c.header(
      "cache-control",
      asset.immutable && !isIndex ? "public, max-age=31536000, immutable" : "no-store",
    );
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  });
  const abortStreams = () => {
    for (const stream of streams) stream.abort();
  };
  return { app, abortStreams };
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Serves the inspector for `store` on 127.0.0.1 (by default) and resolves once it listens. Every
 * request must carry the returned token; actions are refused unless `allowActions`.
 */
export async function startInspector(options: InspectorOptions): Promise<Inspector> {
  const resolved = parseInspectorOptions(options);
  const token = resolved.token ?? generateToken();
  let port = resolved.port;
  const { app, abortStreams } = createInspectorApp(resolved, token, () => port);
  const server = serve({ fetch: app.fetch, port: resolved.port, hostname: resolved.host });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(resolved.host)}:${port}/?token=${token}`,
    token,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        abortStreams();
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      return closing;
    },
  };
}
