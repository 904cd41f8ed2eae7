import type { SessionStore } from "@sessionkit/core";
import { Hono } from "hono";
import { filterFromQuery, listQueryFromQuery } from "./filters.js";
import { errorResponse, httpError } from "./http-errors.js";
import { ownershipOf, stuckRows } from "./ownership.js";

const MAX_EVENT_PAGE = 1000;

/** Read-only API over the SessionStore contract: lists, counts, one session, pages of its events. */
export function readRoutes(store: SessionStore): Hono {
  const app = new Hono();
  const now = () => store.clock.now();

  app.get("/sessions", async (c) => {
    try {
      const page = await store.list(listQueryFromQuery(c.req.query()));
      // Summaries carry owner and lease: the stuck flags cost no record read.
      return c.json({ ...page, stuck: stuckRows(page.items, now()), now: new Date(now()).toISOString() });
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  app.get("/counts", async (c) => {
    try {
      const stats = await store.stats(filterFromQuery(c.req.query()));
      return c.json({ total: stats.total, byStatus: stats.byStatus });
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  app.get("/sessions/:id", async (c) => {
    try {
      const session = await store.get(c.req.param("id"));
      if (session === null)
        return httpError(
          c,
          404,
          "ERR_SESSION_NOT_FOUND",
          `Session ${JSON.stringify(c.req.param("id"))} does not exist.`,
        );
      return c.json({ session, ownership: ownershipOf(session, now()), now: new Date(now()).toISOString() });
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  app.get("/sessions/:id/events", async (c) => {
    try {
      const fromSeq = Number(c.req.query("fromSeq") ?? 1);
      const limit = Math.min(Number(c.req.query("limit") ?? 200), MAX_EVENT_PAGE);
      if (!Number.isInteger(fromSeq) || fromSeq < 1 || !Number.isInteger(limit) || limit < 1)
        return httpError(c, 400, "ERR_INVALID_QUERY", "Expected `fromSeq` ≥ 1 and `limit` from 1 to 1000.");
      const events = await store.readEvents(c.req.param("id"), { fromSeq, limit });
      return c.json({ events });
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  return app;
}
