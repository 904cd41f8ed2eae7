/** How long close() waits for an owned client to shut down before giving up on it. */
export const DEFAULT_CLIENT_CLOSE_TIMEOUT_MS = 5_000;

/** The client a store holds, and whether the store opened it (then it closes it) or the caller did. */
export interface OwnedClient {
  /** True when the store opened the client: close() closes it. A caller's client is left open. */
  owned: boolean;
  /** Shuts the client down gracefully (`quit()`, `pool.end()`). */
  close: () => Promise<unknown>;
  /** Drops the client at once; called when `close` fails or outlasts `timeoutMs`. */
  force?: () => void;
  /** How long `close` may take (default 5 s); after that close() resolves anyway. */
  timeoutMs?: number;
}

/**
 * The release step of a driver's close(): whoever opens a client closes it. Runs `close` once,
 * only for an owned client; later calls resolve at once. A close that fails or takes longer than
 * `timeoutMs` is ended with `force` when there is one, so store.close() never hangs on a dead
 * server; without `force` a failure is rethrown (a timeout still resolves).
 */
export function releaseOwnedClient(client: OwnedClient): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    if (!client.owned) return Promise.resolve();
    closing ??= boundedClose(client);
    return closing;
  };
}

async function boundedClose(client: OwnedClient): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), client.timeoutMs ?? DEFAULT_CLIENT_CLOSE_TIMEOUT_MS);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([client.close().then(() => "closed" as const), timedOut]);
    if (outcome === "timeout") client.force?.();
  } catch (error) {
    if (client.force === undefined) throw error;
    client.force();
  } finally {
    clearTimeout(timer);
  }
}
