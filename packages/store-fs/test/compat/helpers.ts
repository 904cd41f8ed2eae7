import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, createManualClock, type ManualClock } from "@sessionkit/core";
import { closeSessionStore, configure } from "@sessionkit/store-fs/compat";
import { afterEach } from "vitest";

const dirs: string[] = [];

afterEach(async () => {
  await closeSessionStore();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(prefix = "compat-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Points the drop-in at a fresh sessions directory with a manual clock; returns both. */
export function useFreshStore(clock: ManualClock = createManualClock("2026-03-01T12:00:00.000Z")): {
  dir: string;
  clock: ManualClock;
} {
  const dir = join(tempDir(), "sessions");
  configure({ dir, clock: clock as Clock, webhookUrl: null });
  return { dir, clock };
}

/** A webhook body as the drop-in's tests read it. */
export interface WebhookBody {
  event: string;
  session: { id: string; status: string };
}

/** The whole body of a webhook request a test server received, parsed as JSON. */
export async function readJsonBody(request: IncomingMessage): Promise<WebhookBody> {
  let body = "";
  for await (const chunk of request) body += chunk;
  return JSON.parse(body) as WebhookBody;
}
