import type { SessionStore } from "@sessionkit/core";
import { createManualClock } from "@sessionkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// store-redis is not a dependency of the inspector (it speaks only the SessionStore contract): the
// test opens the built package and the Redis test environment of its own directory.
import { createRedisStore } from "../../store-redis/dist/index.js";
import { dropPrefix, REDIS_URL, redisAvailable, uniquePrefix } from "../../store-redis/test/redis-env.js";
import { type Inspector, startInspector } from "../src/index.js";
import { browserProblem, launchBrowser } from "./helpers/browser.js";
import { seedSessions } from "./helpers/seed.js";

const problem = await browserProblem();
if (process.env.CI === "true" && (problem || !redisAvailable))
  throw new Error(`CI=true and ${problem ?? `Redis is not reachable at ${REDIS_URL}`}`);

describe.skipIf(problem !== null || !redisAvailable)("the inspector over a Redis store, in Chromium", () => {
  const prefix = uniquePrefix("sk_ui");
  const clock = createManualClock();
  let store: SessionStore;
  let inspector: Inspector;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  beforeAll(async () => {
    store = createRedisStore({ url: REDIS_URL, prefix, clock });
    await seedSessions(store, clock, 40);
    inspector = await startInspector({ store });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await inspector?.close();
    await store?.close();
    await dropPrefix(prefix);
  });

  it("lists and pages the sessions exactly as store.list does, with the store's counts", async () => {
    const page = await browser.context.newPage();
    const rows = () =>
      page.$$eval("[data-testid=session-row]", (els) => els.map((el) => el.getAttribute("data-id")));
    await page.goto(`${inspector.url}#/sessions?limit=25`);
    await page.getByTestId("session-row").first().waitFor();
    const first = await store.list({ limit: 25 });
    await expect.poll(rows).toEqual(first.items.map((item) => item.id));
    const stats = await store.stats();
    await expect.poll(() => page.getByTestId("count-all").textContent()).toBe(String(stats.total));
    for (const [status, count] of Object.entries(stats.byStatus))
      expect(await page.getByTestId(`count-${status}`).textContent()).toBe(String(count));
    await page.getByTestId("next-page").click();
    const second = await store.list({ limit: 25, cursor: first.nextCursor });
    await expect.poll(rows).toEqual(second.items.map((item) => item.id));
    await page.goto(`${inspector.url}#/sessions?status=completed`);
    const completed = await store.list({ status: "completed" });
    await expect.poll(rows).toEqual(completed.items.map((item) => item.id));
    await page.close();
  });
});
