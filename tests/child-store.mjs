// The shared prologue of the test children: opens the store named by `adapter` on the parent's storage.
// `options.fs` is passed to createFsStore beside `dir`; `options.pgMax` sizes the PostgreSQL pool.
export async function openChildStore({ adapter, dir, namespace, pgUrl }, options = {}) {
  if (adapter === "fs") {
    const { createFsStore } = await import("@sessionkit/store-fs");
    return createFsStore({ dir, ...options.fs });
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
  return createPostgresStore({ connectionString: pgUrl, max: options.pgMax ?? 2 }, { schema: namespace });
}
