/**
 * The part of a better-sqlite3 `Database` this package uses, written out so consumers need no
 * better-sqlite3 types (the Kysely approach). A real better-sqlite3 Database satisfies it.
 */
export interface SqliteDatabase {
  /** Compiles one SQL statement. */
  prepare(sql: string): SqliteStatement;
  /** Runs one or more SQL statements without results. */
  exec(sql: string): unknown;
  /** Runs a PRAGMA; with `{ simple: true }` returns the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** Closes the connection. */
  close(): unknown;
  /** False once closed. */
  readonly open: boolean;
  /** True while a transaction is open on this connection. */
  readonly inTransaction: boolean;
  /** The file name the database was opened with (":memory:" or "" for in-memory ones). */
  readonly name: string;
  /** True for an in-memory database. */
  readonly memory?: boolean;
  /** True when opened read-only. */
  readonly readonly?: boolean;
}

/** The part of a better-sqlite3 `Statement` this package uses. */
export interface SqliteStatement {
  /** Executes a statement that returns no rows. */
  run(...params: unknown[]): { changes: number };
  /** The first row, or undefined. */
  get(...params: unknown[]): unknown;
  /** Every row. */
  all(...params: unknown[]): unknown[];
}
