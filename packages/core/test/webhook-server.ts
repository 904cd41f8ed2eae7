import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request a test receiver got. */
export interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

/**
 * A real HTTP receiver on 127.0.0.1 (port 0). `respond` decides each answer (status, or a promise
 * to delay it); every request is recorded first.
 */
export async function startReceiver(
  respond: (request: Received, index: number) => number | Promise<number> = () => 200,
): Promise<{ url: string; received: Received[]; answered: number; close(): Promise<void> }> {
  const received: Received[] = [];
  const state = { answered: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      const index = received.push(request) - 1;
      Promise.resolve(respond(request, index)).then(
        (status) => {
          state.answered += 1;
          res.writeHead(status, { "content-type": "text/plain" }).end("ok");
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    get answered() {
      return state.answered;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
