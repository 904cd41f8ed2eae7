export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from "./migrations.js";
export { type PostgresConnection, type PostgresStoreOptions, SCHEMA_NAME_PATTERN } from "./options.js";
export type { PoolClientLike, PoolLike, QueryResultLike } from "./pool.js";
export {
  createPostgresStore,
  migratePostgresSchema,
  openPostgresStore,
  postgresStoreCapabilities,
} from "./store.js";
