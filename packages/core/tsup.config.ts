import { defineConfig } from "tsup";

export default defineConfig({
  // Two entry points share one chunk, so `SessionKitError` is one class whichever entry loads it.
  entry: { index: "src/index.ts", driver: "src/driver-entry.ts" },
  format: ["esm"],
  dts: true,
  // No source maps: they would point at src/*.ts, which the package does not ship.
  sourcemap: false,
  clean: true,
  target: "node20",
});
