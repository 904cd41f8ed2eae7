import { createSessionManager, type ManualClock, type SessionStore } from "@sessionkit/core";

export const MODES = ["developer", "reviewer", "planner"] as const;
export const SEED_START = "2026-11-20T08:00:00.000Z";

/**
 * Seeds `count` sessions through the manager, two hours apart (so they span several days), cycling
 * through users, channels, modes, metadata and all five outcomes. Deterministic for a given count.
 */
export async function seedSessions(
  store: SessionStore,
  clock: ManualClock,
  count: number,
): Promise<string[]> {
  const manager = createSessionManager({ store, clock });
  const ids: string[] = [];
  clock.set(SEED_START);
  for (let i = 0; i < count; i++) {
    clock.set(Date.parse(SEED_START) + i * 2 * 3_600_000);
    const outcome = i % 5;
    const session = await manager.start({
      task: `Task ${i}: ${["fix the build", "review PR", "plan the release", "write docs"][i % 4]}`,
      mode: MODES[i % 3]!,
      userId: `user-${i % 4}`,
      channelId: `chan-${i % 3}`,
      maxIterations: outcome === 4 ? 2 : 10,
      context: { step: i, nested: { files: [`src/${i}.ts`], done: false } },
      metadata: { model: i % 2 ? "claude" : "gpt", priority: i % 3 },
    });
    ids.push(session.id);
    const iterations = outcome === 4 ? 2 : 1 + (i % 3);
    for (let n = 0; n < iterations; n++) {
      clock.advance(60_000);
      await manager.incrementIteration(
        session.id,
        { summary: `step ${n + 1}` },
        { usage: { tokens: 100 * (n + 1), cost: 0.01 * (n + 1) } },
      );
    }
    if (outcome === 4) continue; // timed out on its budget
    clock.advance(30_000);
    await manager.recordToolCall(session.id, "grep", { pattern: `todo-${i}` }, { hits: i });
    if (i % 2 === 0) await manager.recordLearning(session.id, `learned ${i}`);
    clock.advance(30_000);
    if (outcome === 1) await manager.pause(session.id, "waiting for review");
    if (outcome === 2) await manager.complete(session.id, `done ${i}`);
    if (outcome === 3) await manager.fail(session.id, `broke ${i}`);
  }
  return ids;
}
