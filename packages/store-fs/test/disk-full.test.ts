import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFsStore } from "@sessionkit/store-fs";
import { afterAll, describe, expect, it } from "vitest";

/** A 256 KiB tmpfs: a real full disk. Mounting needs root; without it the case is skipped. */
function mountTinyDisk(): string | null {
  const dir = mkdtempSync(join(tmpdir(), "store-fs-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

const disk = mountTinyDisk();
afterAll(() => {
  if (!disk) return;
  execFileSync("umount", [disk]);
  rmSync(disk, { recursive: true, force: true });
});

describe("store-fs: a full disk", () => {
  it.skipIf(disk === null)(
    "(needs root to mount a tiny tmpfs) ENOSPC is ERR_STORE_IO; sessions stay whole and no temp file is left",
    async () => {
      const dir = join(disk as string, "store");
      const store = createFsStore({ dir, durability: "fsync", checkpointEvery: 2 });
      const { session } = await store.create({ mode: "m", task: "t" });
      const big = "x".repeat(16 * 1024);
      let failure: unknown;
      let committed = 1;
      for (let i = 0; i < 100 && !failure; i++) {
        try {
          await store.commit(session.id, {
            patch: { context: { i, big } },
            events: [{ type: "x", data: { big } }],
          });
          committed += 1;
        } catch (error) {
          failure = error;
        }
      }
      expect(failure).toMatchObject({ code: "ERR_STORE_IO" });
      expect((failure as { details: { systemCode?: string } }).details.systemCode).toBe("ENOSPC");
      const full = await store.getWithHistory(session.id);
      expect(full?.version).toBe(committed);
      expect(full?.history).toHaveLength(committed - 1);
      const createFailure = await store
        .create({ mode: "m", task: big.repeat(4) })
        .catch((error: unknown) => error);
      expect(createFailure).toMatchObject({ code: "ERR_STORE_IO" });
      const leftovers = readdirSync(dir).filter((name) => name.startsWith(".new.") || name.endsWith(".tmp"));
      expect(leftovers).toEqual([]);
      expect(readdirSync(join(dir, session.id)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
      expect((await store.list()).items.map((item) => item.id)).toEqual([session.id]);
      // Space comes back: the store carries on where it was.
      rmSync(join(dir, ".sessionkit"), { recursive: true, force: true });
      await store.close();
      const again = createFsStore({ dir, durability: "fsync" });
      const after = await again
        .commit(session.id, { events: [{ type: "ok" }] })
        .catch((error: unknown) => error);
      if ((after as { code?: string }).code === "ERR_STORE_IO") {
        expect((after as { details: { systemCode?: string } }).details.systemCode).toBe("ENOSPC");
      } else {
        expect((after as { session: { version: number } }).session.version).toBe(committed + 1);
      }
      await again.close();
    },
  );
});
