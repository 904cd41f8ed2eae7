import { isDeepStrictEqual } from "node:util";
import { createTestContext } from "@sessionkit/conformance";
import { createMemoryDriver, defineSessionStore } from "@sessionkit/core/driver";
import { describe, expect, it } from "vitest";
import { repoAdapters } from "./adapters.js";
import { generateLog, replay } from "./differential-log.js";

const SEEDS = [20261124, 7, 4242];
const LENGTH = 320;
const adapters = await repoAdapters();
const reference = adapters[0]!;

/** The first operation whose observable result differs, described for the failure message. */
function firstDifference(log: unknown[], expected: unknown[], actual: unknown[]): string | undefined {
  for (let k = 0; k < Math.max(expected.length, actual.length); k++) {
    if (!isDeepStrictEqual(expected[k], actual[k])) {
      return `operation ${k} ${JSON.stringify(log[k] ?? "final dump").slice(0, 300)}\n  memory: ${JSON.stringify(expected[k]).slice(0, 600)}\n  actual: ${JSON.stringify(actual[k]).slice(0, 600)}`;
    }
  }
  return undefined;
}

async function run(adapterIndex: number, seed: number): Promise<unknown[]> {
  const adapter = adapters[adapterIndex]!;
  const handle = createTestContext(`diff-${adapter.name}`);
  try {
    const store = await adapter.create(handle.ctx);
    try {
      return await replay(store, handle.ctx.clock, generateLog(seed, LENGTH));
    } finally {
      await store.close();
    }
  } finally {
    await handle.cleanup();
  }
}

describe("differential: one seeded log replayed on every adapter gives identical observations", () => {
  it("the log is deterministic and exercises every kind of operation", () => {
    const log = generateLog(SEEDS[0]!, LENGTH);
    expect(generateLog(SEEDS[0]!, LENGTH)).toEqual(log);
    expect(new Set(log.map((op) => op.kind)).size).toBe(12);
  });

  it("is not vacuous: a store whose list drops the id tie-breaker diverges from memory", async () => {
    const seed = SEEDS[0]!;
    const expected = await run(0, seed);
    const handle = createTestContext("diff-mutant");
    const driver = createMemoryDriver();
    const store = defineSessionStore(
      {
        ...driver,
        list(filter, after, limit) {
          const page = driver.list(filter, after, limit) as Awaited<ReturnType<typeof driver.list>>;
          return {
            ...page,
            items: [...page.items].sort(
              (a, b) =>
                (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0) ||
                (a.id < b.id ? -1 : 1),
            ),
          };
        },
      },
      { clock: handle.ctx.clock },
    );
    const actual = await replay(store, handle.ctx.clock, generateLog(seed, LENGTH));
    await handle.cleanup();
    expect(firstDifference(generateLog(seed, LENGTH), expected, actual)).toMatch(/^operation \d+ /);
  });

  for (const [index, adapter] of adapters.entries()) {
    if (index === 0) continue;
    const title = `${adapter.name} observes exactly what ${reference.name} observes (seeds ${SEEDS.join(", ")}, ${LENGTH} operations each)`;
    if (adapter.skip !== undefined) {
      it.skip(`${title} [skipped: ${adapter.skip}]`, () => undefined);
      continue;
    }
    it(title, async () => {
      for (const seed of SEEDS) {
        const expected = await run(0, seed);
        const actual = await run(index, seed);
        const difference = firstDifference(generateLog(seed, LENGTH), expected, actual);
        expect(difference, `seed ${seed}`).toBeUndefined();
        const errors = expected.filter(
          (result) => (result as { error?: string })?.error !== undefined,
        ).length;
        expect(errors, "the log also exercises refusals").toBeGreaterThan(0);
      }
    });
  }
});
