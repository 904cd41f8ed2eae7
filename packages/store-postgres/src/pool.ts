/** The part of a node-postgres query result the store reads. */
export interface QueryResultLike<R> {
  rows: R[];
  rowCount: number | null;
}

/** A query as node-postgres takes it; a `name` makes it a per-connection prepared statement. */
export interface QueryConfigLike {
  name?: string;
  text: string;
  values?: unknown[];
}

/** Something that runs queries: a pool, or a checked-out connection. */
export interface QueryableLike {
  query<R = Record<string, unknown>>(
    query: string | QueryConfigLike,
    values?: unknown[],
  ): Promise<QueryResultLike<R>>;
}

/** A checked-out connection (structural subset of pg.PoolClient). */
export interface PoolClientLike extends QueryableLike {
  release(error?: Error | boolean): void;
}

/** The part of a pg.Pool the store uses, so any compatible pool can be handed in. */
export interface PoolLike extends QueryableLike {
  connect(): Promise<PoolClientLike>;
  end(): Promise<void>;
}
