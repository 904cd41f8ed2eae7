import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Headless Debian Chromium with a fresh profile (playwright passes it as --user-data-dir); the
 * profile directory goes when the browser closes.
 */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "sessionkit-ui-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: 60_000,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Whether the browser can start here. Under CI=true a browser that cannot start is a failure (the
 * caller throws); otherwise the browser tests are skipped with this reason.
 */
export async function browserProblem(): Promise<string | null> {
  try {
    const { close } = await launchBrowser();
    await close();
    return null;
  } catch (error) {
    return `Chromium at ${CHROMIUM} cannot start (${(error as Error).message.split("\n")[0]}); install it with apt-get install -y chromium`;
  }
}
