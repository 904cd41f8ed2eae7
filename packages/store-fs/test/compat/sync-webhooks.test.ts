import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  configureWebhook,
  getSession,
  startSession,
  updateContext,
} from "@sessionkit/store-fs/compat/manager";
import type { CreateSessionOptions } from "@sessionkit/store-fs/compat/types";
import { describe, expect, it } from "vitest";
import { readJsonBody, useFreshStore } from "./helpers.js";

describe("the drop-in's synchronous calls publish like the async ones", () => {
  it("a deadline timeout committed by updateContext sends its timeout webhook", async () => {
    const { clock } = useFreshStore();
    const events: Array<{ event: string; session: { id: string; status: string } }> = [];
    let onTimeout: () => void = () => undefined;
    const timeoutArrived = new Promise<void>((resolve) => {
      onTimeout = resolve;
    });
    const server = createServer(async (request, response) => {
      const payload = await readJsonBody(request);
      events.push(payload);
      response.end("ok");
      if (payload.event === "timeout") onTimeout();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      configureWebhook(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
      // The async API's wall-clock budget, passed through startSession's options.
      const options = { timeoutMs: 1_000 } as Partial<CreateSessionOptions>;
      const { id } = await startSession("bounded in time", "developer", options);
      clock.advance(2_000);
      expect(() => updateContext(id, { step: 2 })).toThrow(
        expect.objectContaining({
          code: "ERR_INVALID_TRANSITION",
          message: expect.stringMatching(/^Cannot updateContext on session in status: timeout/),
        }),
      );
      const session = getSession(id)!;
      expect(session.status).toBe("timeout");
      expect(session.history.at(-1)).toMatchObject({ type: "timeout", data: { reason: "deadline" } });
      await timeoutArrived;
      expect(events.find((e) => e.event === "timeout")?.session).toMatchObject({ id, status: "timeout" });
    } finally {
      configureWebhook(null);
      server.closeAllConnections();
      server.close();
    }
  });
});
