import { join } from "node:path";
import type { SessionStore } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { openPostgresStore } from "@sessionkit/store-postgres";
import { createSqliteStore } from "@sessionkit/store-sqlite";
import { PG_URL, pgStoreUrl, tempDir } from "./helpers.js";

/** One kind of real store: a fresh one's URL for the CLI, and a handle on it for the test. */
export interface StoreKind {
  name: "fs" | "sqlite" | "postgres";
  fresh(): { url: string; open(): Promise<SessionStore>; dir: string };
}

/** The three stores every verb is tested on. */
export const STORE_KINDS: StoreKind[] = [
  {
    name: "fs",
    fresh() {
      const dir = join(tempDir(), "sessions");
      return { url: `fs:${dir}`, dir, open: async () => createFsStore({ dir }) };
    },
  },
  {
    name: "sqlite",
    fresh() {
      const dir = tempDir();
      const filename = join(dir, "sessions.db");
      return { url: `sqlite:${filename}`, dir, open: async () => createSqliteStore({ filename }) };
    },
  },
  {
    name: "postgres",
    fresh() {
      const { url, schema } = pgStoreUrl();
      return {
        url,
        dir: tempDir(),
        open: () => openPostgresStore({ connectionString: PG_URL, max: 4 }, { schema }),
      };
    },
  },
];
