import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSessionManager } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

// A lease file the store did not write (a disk fault, a hand edit) is unreadable as a holder, so a
// retention run takes it over: the swap must accept that text as `expected`.
describe("store-fs: a corrupt retention lease file", () => {
  for (const [what, text] of [
    ["empty", ""],
    ["garbage with a NUL", "{garbage\u0000"],
    ["longer than a lease text", "x".repeat(5000)],
  ] as const) {
    it(`${what}: applyRetention takes it over, removes the expired session and leaves no lease`, async () => {
      const dir = tempDir();
      const store = createFsStore({ dir, durability: "none" });
      const manager = createSessionManager({ store });
      const gone = await manager.start({ task: "t", mode: "m", expiresAt: "2000-01-01T00:00:00.000Z" });
      const meta = join(dir, ".sessionkit");
      mkdirSync(meta, { recursive: true });
      writeFileSync(join(meta, "lease-retention.json"), text);
      const result = await manager.applyRetention();
      expect(result.removed).toEqual([gone.id]);
      expect(existsSync(join(meta, "lease-retention.json"))).toBe(false);
      await manager.close();
    });
  }
});
