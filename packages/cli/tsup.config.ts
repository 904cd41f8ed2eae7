import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: ["src/index.ts"],
    format: ["esm"],
    dts: { entry: "src/index.ts" },
    sourcemap: true,
    target: "node20",
  },
  {
    // The binary carries its own small third-party libraries in one file: each module Node resolves
    // and compiles at start is wall time of every `sessionkit` run. @sessionkit/*, zod and the
    // database drivers stay external, so a store package and the CLI share one copy of core.
    entry: ["src/bin.ts"],
    format: ["esm"],
    sourcemap: true,
    target: "node20",
    noExternal: ["commander", "picocolors", "cli-progress"],
    // commander and cli-progress are CommonJS; their require() of Node's modules needs a require.
    banner: {
      js: 'import { createRequire as __cliRequire } from "node:module";\nconst require = __cliRequire(import.meta.url);',
    },
  },
]);
