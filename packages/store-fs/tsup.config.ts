import { defineConfig } from "tsup";

export default defineConfig({
  // compat/manager, compat/store and compat/types mirror the seed's files; they share one
  // module state (one configured store), which ESM code splitting keeps in a shared chunk.
  entry: {
    index: "src/index.ts",
    "log-lines": "src/log-entry.ts",
    "compat/index": "src/compat/index.ts",
    "compat/manager": "src/compat/manager.ts",
    "compat/store": "src/compat/store.ts",
    "compat/types": "src/compat/types.ts",
  },
  format: ["esm"],
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
