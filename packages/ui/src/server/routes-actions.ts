import { SESSION_STATUSES, SessionKitError, type SessionManager } from "@sessionkit/core";
import { Hono } from "hono";
import { z } from "zod";
import { errorResponse, httpError } from "./http-errors.js";

const confirmed = z.literal(true, { message: "true: the inspector asks before every action" });
const schemas = {
  pause: z.object({ id: z.string(), reason: z.string().max(500).optional(), confirm: confirmed }),
  resume: z.object({
    id: z.string(),
    extendIterations: z.number().int().min(1).optional(),
    confirm: confirmed,
  }),
  fail: z.object({ id: z.string(), error: z.string().min(1).max(2000), confirm: confirmed }),
  prune: z.object({
    olderThan: z.string().min(1),
    statuses: z.array(z.enum(SESSION_STATUSES)).min(1).optional(),
    dryRun: z.boolean(),
    confirm: z.boolean().optional(),
  }),
};

/**
 * Pause, resume, fail and prune, each through the manager, so every lifecycle rule (the transition
 * table, the events a transition writes, webhooks) applies exactly as for any other caller. A real
 * prune needs `confirm: true`; a dry run only reports what would go.
 */
export function actionRoutes(manager: SessionManager): Hono {
  const app = new Hono();
  const run = <K extends keyof typeof schemas>(
    name: K,
    act: (input: z.output<(typeof schemas)[K]>) => Promise<unknown>,
  ) =>
    app.post(`/${name}`, async (c) => {
      const body = await c.req.json().catch(() => undefined);
      const parsed = schemas[name].safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return httpError(
          c,
          400,
          "ERR_INVALID_INPUT",
          `Expected \`${issue.path.join(".") || "body"}\` to be valid: ${issue.message}.`,
        );
      }
      try {
        return c.json({ ok: true, result: await act(parsed.data as z.output<(typeof schemas)[K]>) });
      } catch (error) {
        return errorResponse(c, error);
      }
    });

  run("pause", (input) => manager.pause(input.id, input.reason));
  run("resume", (input) =>
    manager.resume(
      input.id,
      input.extendIterations === undefined ? {} : { extendIterations: input.extendIterations },
    ),
  );
  run("fail", (input) => manager.fail(input.id, input.error));
  run("prune", async (input) => {
    if (!input.dryRun && input.confirm !== true)
      throw new SessionKitError(
        "ERR_INVALID_INPUT",
        "[ui] Expected `confirm` to be true for a prune that deletes; preview it with dryRun first.",
        { details: { field: "confirm" } },
      );
    return manager.cleanup({
      olderThan: input.olderThan,
      dryRun: input.dryRun,
      ...(input.statuses ? { statuses: input.statuses } : {}),
    });
  });
  return app;
}
