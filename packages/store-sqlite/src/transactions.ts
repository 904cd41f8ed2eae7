import type { SqliteDatabase } from "./database.js";

/** Runs write transactions on one connection. */
export interface Transactor {
  /** Runs `fn` inside BEGIN IMMEDIATE (a savepoint if the caller already opened a transaction); rolls back if it throws. */
  write<T>(fn: () => T): T;
}

/**
 * BEGIN IMMEDIATE takes the write lock before the first read, so a read-modify-write never has
 * to upgrade a read lock, the case where SQLite returns SQLITE_BUSY at once despite busy_timeout.
 */
export function createTransactor(db: SqliteDatabase): Transactor {
  const begin = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  const rollback = db.prepare("ROLLBACK");
  const savepoint = db.prepare("SAVEPOINT sessionkit");
  const release = db.prepare("RELEASE sessionkit");
  const rollbackTo = db.prepare("ROLLBACK TO sessionkit");

  return {
    write(fn) {
      if (db.inTransaction) {
        savepoint.run();
        try {
          const result = fn();
          release.run();
          return result;
        } catch (error) {
          rollbackTo.run();
          release.run();
          throw error;
        }
      }
      begin.run();
      try {
        const result = fn();
        commit.run();
        return result;
      } catch (error) {
        // SQLite may already have rolled back (e.g. on SQLITE_FULL); only roll back what is open.
        if (db.inTransaction) rollback.run();
        throw error;
      }
    },
  };
}
