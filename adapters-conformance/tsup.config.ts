import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/vitest.ts", "src/node-test.ts", "src/child-runner.ts"],
  format: ["esm"],
  dts: { entry: ["src/index.ts", "src/vitest.ts", "src/node-test.ts"] },
  sourcemap: true,
  clean: true,
  target: "node20",
  // Keep `node:test` as written: without the prefix Node resolves "test" as a package.
  removeNodeProtocol: false,
  external: ["vitest", "@sessionkit/core"],
});
