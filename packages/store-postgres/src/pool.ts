/** The part of a node-postgres query result the store reads. */
export interface QueryResultLike<R> {
  rows: R[];
  rowCount: number | null;
}

/** A checked-out connection (structural subset of pg.PoolClient). */
export interface PoolClientLike {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResultLike<R>>;
  release(error?: Error | boolean): void;
}

/** The part of a pg.Pool the store uses, so any compatible pool can be handed in. */
export interface PoolLike {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResultLike<R>>;
  connect(): Promise<PoolClientLike>;
  end(): Promise<void>;
}
