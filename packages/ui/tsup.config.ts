import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  // vite writes dist/web after tsup; tsup must not wipe it on a rebuild of the server alone.
  clean: false,
  target: "node20",
});
