// Forked by the suite: builds the adapter's store from the harness's childModule and serves it over IPC.
// Requests: { id, method, args } (store methods) or { id, command, args }; answers { id, ok, value | error }.

import type { SessionStore } from "@sessionkit/core";
import { managerCommands } from "./child-manager.js";

type Store = { [method: string]: (...args: unknown[]) => Promise<unknown> } & { close(): Promise<void> };

interface Request {
  id: number;
  method?: string;
  command?: string;
  args?: unknown[];
  module?: string;
  info?: unknown;
}

const STORE_METHODS = new Set([
  "create",
  "get",
  "getWithHistory",
  "commit",
  "readEvents",
  "list",
  "count",
  "stats",
  "delete",
  "prune",
  "importSession",
]);

let store: Store | undefined;

function send(message: unknown): void {
  process.send?.(message);
}

function describeError(error: unknown): { code: unknown; message: string; name: string } {
  const e = error as { code?: unknown; message?: unknown; name?: unknown } | null;
  return {
    code: e?.code,
    message: typeof e?.message === "string" ? e.message : String(error),
    name: typeof e?.name === "string" ? e.name : typeof error,
  };
}

const commands: Record<string, (...args: unknown[]) => Promise<unknown>> = {
  /** Commits to `id` forever (until killed), each commit a full new context and two events; reports each version. */
  async commitLoop(id, padBytes) {
    const current = (await store!.get!(id as string)) as { version: number } | null;
    if (!current) throw new Error(`commitLoop: session ${String(id)} does not exist`);
    let version = current.version;
    const pad = "x".repeat(Number(padBytes) || 0);
    for (;;) {
      const n = version + 1;
      await store!.commit!(id as string, {
        expectedVersion: version,
        patch: { iterations: n, context: { n, pad, parts: [n, n, n] } },
        events: [
          { type: "tick", data: { n } },
          { type: "tock", data: { n } },
        ],
      });
      version = n;
      send({ type: "progress", value: version });
    }
  },
  /** `count` unconditional commits appending one event each, tagged; reports successes and error codes. */
  async hammer(id, count, tag) {
    const outcome = { ok: 0, errors: [] as Array<{ code: unknown; name: string; message: string }> };
    for (let k = 0; k < Number(count); k++) {
      try {
        await store!.commit!(id as string, { events: [{ type: "hammer", data: { tag, k } }] });
        outcome.ok += 1;
      } catch (error) {
        outcome.errors.push(describeError(error));
      }
    }
    return outcome;
  },
  ...managerCommands(() => store as unknown as SessionStore, send),
  /** Watches `scope` from `since` until killed; reports each item (its cursor, session, kind and seq). */
  async watch(scope, since) {
    const iterable = (
      store as unknown as { watch(scope: unknown, options: unknown): AsyncIterable<never> }
    ).watch(scope, since === undefined || since === null ? {} : { since });
    for await (const item of iterable as AsyncIterable<{
      cursor: string;
      sessionId: string;
      change: { kind: string };
      event?: { seq: number };
    }>) {
      send({
        type: "progress",
        value: {
          cursor: item.cursor,
          sessionId: item.sessionId,
          kind: item.change.kind,
          seq: item.event?.seq,
        },
      });
    }
    return true;
  },
  async capabilities() {
    return (store as unknown as { capabilities: unknown }).capabilities;
  },
  async close() {
    await store?.close();
    return true;
  },
};

process.on("message", async (request: Request) => {
  if (request.command === "init") {
    try {
      const mod = (await import(String(request.module))) as { createStore?: (info: unknown) => unknown };
      if (typeof mod.createStore !== "function")
        throw new Error(`${request.module} does not export createStore(info)`);
      store = (await mod.createStore(request.info)) as Store;
      send({ id: request.id, ok: true, value: null });
    } catch (error) {
      send({ id: request.id, ok: false, error: describeError(error) });
    }
    return;
  }
  try {
    let value: unknown;
    if (request.method !== undefined) {
      if (!STORE_METHODS.has(request.method)) throw new Error(`unknown store method ${request.method}`);
      value = await store![request.method]!(...(request.args ?? []));
    } else {
      const command = commands[String(request.command)];
      if (!command) throw new Error(`unknown command ${String(request.command)}`);
      value = await command(...(request.args ?? []));
    }
    send({ id: request.id, ok: true, value });
  } catch (error) {
    send({ id: request.id, ok: false, error: describeError(error) });
  }
});

process.on("disconnect", () => process.exit(0));
send({ type: "booted" });
