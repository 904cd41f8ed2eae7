export type { SqliteDatabase, SqliteStatement } from "./database.js";
export {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  type Migration,
  migrate,
  readSchemaVersion,
} from "./migrations.js";
export type { SqliteDatabaseOptions, SqliteFileOptions, SqliteStoreOptions } from "./options.js";
export { createSqliteStore, sqliteStoreCapabilities } from "./sqlite-store.js";
