import { isSessionKitError } from "@sessionkit/core";
import {
  createPostgresStore,
  type PostgresConnection,
  type PostgresStoreOptions,
} from "@sessionkit/store-postgres";
import { describe, expect, it } from "vitest";
import { hostileOptions } from "../../core/test/hostile-options.js";

/** A pool that counts what is asked of it: a refused argument must reach no server. */
function countingPool() {
  const calls: string[] = [];
  return {
    calls,
    pool: {
      query: async () => {
        calls.push("query");
        throw new Error("no server here");
      },
      connect: async () => {
        calls.push("connect");
        throw new Error("no server here");
      },
      on: () => undefined,
      end: async () => undefined,
    },
  };
}

function refusal(run: () => unknown): { code?: string; path?: string; raw?: unknown } {
  try {
    run();
  } catch (error) {
    if (isSessionKitError(error)) return { code: error.code, path: String(error.details.path) };
    return { raw: error };
  }
  return {};
}

describe("createPostgresStore: bad arguments are a typed error naming the field, and no server is asked", () => {
  it("options: unknown, inherited, throwing and out-of-range", () => {
    const { calls, pool } = countingPool();
    for (const { name, options, names } of hostileOptions(
      { schema: "sk_opts", maxPayloadBytes: 1024 },
      "maxPayloadBytes",
      "schema",
    )) {
      const found = refusal(() =>
        createPostgresStore({ pool } as PostgresConnection, options as PostgresStoreOptions),
      );
      expect(found, name).toEqual({
        code: "ERR_INVALID_INPUT",
        path: names ? `options.${names}` : "options",
      });
    }
    expect(calls).toEqual([]);
  });

  it("the connection: unknown, inherited, throwing and out-of-range", () => {
    for (const { name, options, names } of hostileOptions(
      { connectionString: "postgres://127.0.0.1:1/none", max: 2 },
      "max",
      "connectionString",
    )) {
      const found = refusal(() => createPostgresStore(options as PostgresConnection));
      expect(found, name).toEqual({
        code: "ERR_INVALID_INPUT",
        path: names ? `connection.${names}` : "connection",
      });
    }
  });
});
