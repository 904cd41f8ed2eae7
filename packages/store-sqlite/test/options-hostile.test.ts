import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSessionKitError } from "@sessionkit/core";
import { createSqliteStore, type SqliteStoreOptions } from "@sessionkit/store-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { hostileOptions } from "../../core/test/hostile-options.js";

const parent = mkdtempSync(join(tmpdir(), "store-sqlite-options-"));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe("createSqliteStore: bad options are a typed error naming the option, and no file is created", () => {
  it("unknown, inherited, throwing and out-of-range options", () => {
    const filename = join(parent, "sessions.db");
    for (const { name, options, names } of hostileOptions(
      { filename, busyTimeoutMs: 10 },
      "busyTimeoutMs",
      "filename",
    )) {
      let caught: unknown;
      try {
        createSqliteStore(options as SqliteStoreOptions);
      } catch (error) {
        caught = error;
      }
      expect(isSessionKitError(caught, "ERR_INVALID_INPUT"), `${name}: ${String(caught)}`).toBe(true);
      expect((caught as { details: { path: string } }).details.path, name).toBe(names || "options");
      expect(existsSync(filename), name).toBe(false);
    }
  });

  it("a frozen options object is read, never written: the store opens and works", async () => {
    const store = createSqliteStore(
      Object.freeze({ filename: ":memory:", changeLog: Object.freeze({ maxLength: 5 }) }),
    );
    const { session } = await store.create({ mode: "m", task: "t" });
    expect((await store.get(session.id))?.task).toBe("t");
    await store.close();
  });
});
