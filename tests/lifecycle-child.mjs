// A child process that runs manager operations against the same storage as its parent.
// argv[2]: JSON {adapter, dir, namespace, pgUrl, sessionId, count, tag}. Prints one JSON line of outcomes.
import { createSessionManager } from "@sessionkit/core";

const { adapter, dir, namespace, pgUrl, sessionId, count, tag } = JSON.parse(process.argv[2]);

async function open() {
  if (adapter === "fs") {
    const { createFsStore } = await import("@sessionkit/store-fs");
    return createFsStore({ dir, durability: "none" });
  }
  if (adapter === "sqlite") {
    const { createSqliteStore } = await import("@sessionkit/store-sqlite");
    return createSqliteStore({ filename: dir });
  }
  if (adapter === "redis") {
    const { createRedisStore } = await import("@sessionkit/store-redis");
    return createRedisStore({
      url: process.env.SESSIONKIT_REDIS_URL ?? "redis://127.0.0.1:6379",
      prefix: namespace,
    });
  }
  const { createPostgresStore } = await import("@sessionkit/store-postgres");
  return createPostgresStore({ connectionString: pgUrl, max: 2 }, { schema: namespace });
}

const store = await open();
const manager = createSessionManager({ store, maxCommitRetries: 1000 });
const outcomes = [];
for (let i = 0; i < count; i++) {
  const call =
    i % 2 === 0
      ? manager.incrementIteration(sessionId, { tag, i })
      : manager.recordToolCall(sessionId, `${tag}-tool`, { i }, "ok");
  outcomes.push(
    await call.then(
      () => "ok",
      (error) => error.code ?? String(error),
    ),
  );
}
await manager.close();
await store.close();
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
