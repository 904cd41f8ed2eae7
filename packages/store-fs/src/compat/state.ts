import { resolve } from "node:path";
import {
  type Clock,
  createSessionManager,
  SessionKitError,
  type SessionManager,
  type SessionStore,
  type SyncSessionStore,
} from "@sessionkit/core";
import { describeValue } from "@sessionkit/core/driver";
import { z } from "zod";
import { createFsStore } from "../index.js";
import type { CompatConfig } from "./types.js";

const COMPONENT = "store-fs/compat";

/** Default directory of the drop-in: `./sessions`, resolved against the working directory on first use. */
export const DEFAULT_COMPAT_DIR = "./sessions";

/** Everything `configure` accepts, including the programmatic `store` and `clock` options. */
export interface CompatOptions extends CompatConfig {
  /**
   * Use this store instead of opening `dir` (it must support `sync()`, e.g. the memory or SQLite
   * store). The drop-in never closes a store it was handed.
   */
  store?: SessionStore;
  /** Clock of the fs store the drop-in opens (default: the system clock). Ignored with `store`. */
  clock?: Clock;
}

const optionsSchema = z.strictObject({
  dir: z.string().min(1).optional(),
  webhookUrl: z.string().min(1).nullable().optional(),
  store: z
    .custom<SessionStore>((value) => typeof (value as SessionStore | null)?.sync === "function")
    .optional(),
  clock: z.custom<Clock>((value) => typeof (value as Clock | null)?.now === "function").optional(),
});

interface Opened {
  store: SessionStore;
  sync: SyncSessionStore;
  owned: boolean;
  manager?: SessionManager;
}

let dir = DEFAULT_COMPAT_DIR;
let webhookUrl: string | null = null;
let givenStore: SessionStore | undefined;
let clock: Clock | undefined;
let opened: Opened | undefined;

/** Closes what the drop-in opened; fire-and-forget where the caller is synchronous. */
function release(): Promise<void> {
  const current = opened;
  opened = undefined;
  if (!current) return Promise.resolve();
  const closing: Promise<unknown>[] = [];
  if (current.manager) closing.push(current.manager.close());
  if (current.owned) closing.push(current.store.close());
  return Promise.allSettled(closing).then(() => undefined);
}

/**
 * Points the drop-in at a sessions directory (default `./sessions`) and optionally a webhook URL.
 * Call it before the first session call; calling it again closes the previous store.
 */
export function configure(options: CompatOptions = {}): void {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "options";
    throw new SessionKitError(
      "ERR_INVALID_INPUT",
      `[${COMPONENT}] Expected \`${field}\` of configure() to be valid (${issue?.message ?? "invalid"}), got ${describeValue((options as Record<string, unknown>)[field] ?? options)}. Pass { dir: "./sessions", webhookUrl?: "https://…" }.`,
    );
  }
  const next = parsed.data;
  void release();
  if (next.dir !== undefined) dir = next.dir;
  givenStore = next.store;
  clock = next.clock;
  if ("webhookUrl" in next) webhookUrl = next.webhookUrl ?? null;
}

/** Sets (or with null clears) the webhook URL lifecycle notifications are posted to. */
export function configureWebhook(url: string | null): void {
  if (url !== null && (typeof url !== "string" || url.length === 0)) {
    throw new SessionKitError(
      "ERR_WEBHOOK_CONFIG",
      `[${COMPONENT}] Expected a webhook URL or null, got ${describeValue(url)}. Pass "http(s)://…" or null to turn webhooks off.`,
    );
  }
  webhookUrl = url;
  const current = opened;
  if (current?.manager) {
    void current.manager.close();
    current.manager = undefined;
  }
  if (url !== null) managerFor(open());
}

/** Closes the store the drop-in opened (waits for webhooks in flight); the next call opens it again. */
export function closeSessionStore(): Promise<void> {
  return release();
}

/** The directory the drop-in uses (absolute), or null when it was handed a store. */
export function getSessionsDir(): string | null {
  return givenStore ? null : resolve(dir);
}

function open(): Opened {
  if (opened) return opened;
  const store = givenStore ?? createFsStore({ dir: resolve(dir), ...(clock ? { clock } : {}) });
  opened = { store, sync: store.sync(), owned: givenStore === undefined };
  return opened;
}

function managerFor(current: Opened): SessionManager {
  if (!current.manager) {
    current.manager = createSessionManager({
      store: current.store,
      ...(webhookUrl ? { webhooks: { url: webhookUrl } } : {}),
    });
  }
  return current.manager;
}

/** The synchronous face of the configured store. */
export function syncStore(): SyncSessionStore {
  return open().sync;
}

/** The configured store (async face). */
export function asyncStore(): SessionStore {
  return open().store;
}

/** The lifecycle manager over the configured store. */
export function manager(): SessionManager {
  return managerFor(open());
}

/** The configured store's clock, in epoch milliseconds. */
export function nowMs(): number {
  return open().store.clock.now();
}

/** The configured store's clock, as an ISO-8601 string. */
export function nowIso(): string {
  return new Date(nowMs()).toISOString();
}

export { COMPONENT };
