import { existsSync } from "node:fs";
import { join } from "node:path";
import { isSessionKitError } from "@sessionkit/core";
import { createFsStore, type FsStoreOptions } from "@sessionkit/store-fs";
import { describe, expect, it } from "vitest";
import { hostileOptions } from "../../core/test/hostile-options.js";
import { tempDir } from "./helpers.js";

describe("createFsStore: bad options are a typed error naming the option, and nothing is created", () => {
  it("unknown, inherited, throwing and out-of-range options", () => {
    const parent = tempDir();
    const dir = join(parent, "sessions");
    for (const { name, options, names } of hostileOptions({ dir, lockStaleMs: 2000 }, "lockStaleMs", "dir")) {
      let caught: unknown;
      try {
        createFsStore(options as FsStoreOptions);
      } catch (error) {
        caught = error;
      }
      expect(isSessionKitError(caught, "ERR_INVALID_INPUT"), `${name}: ${String(caught)}`).toBe(true);
      const { field, path } = (caught as { details: { field: string; path: string } }).details;
      expect([field, path], name).toEqual([names || "options", names || "options"]);
      expect(existsSync(dir), name).toBe(false);
    }
  });

  it("a frozen options object is read, never written: the store opens and works", async () => {
    const dir = tempDir();
    const store = createFsStore(Object.freeze({ dir, durability: "none" as const }));
    const { session } = await store.create({ mode: "m", task: "t" });
    expect((await store.get(session.id))?.task).toBe("t");
    await store.close();
  });
});
