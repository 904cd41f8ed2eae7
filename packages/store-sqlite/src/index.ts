export type { SqliteDatabase, SqliteStatement } from "./database.js";
export {
  convertAutoVacuum,
  hasIncrementalVacuum,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  type Migration,
  migrate,
  readSchemaVersion,
  VACUUM_ON_MIGRATE_BYTES,
} from "./migrations.js";
export type { SqliteDatabaseOptions, SqliteFileOptions, SqliteStoreOptions } from "./options.js";
export { createSqliteStore, sqliteStoreCapabilities } from "./sqlite-store.js";
