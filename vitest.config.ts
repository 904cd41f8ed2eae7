import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "adapters-conformance", "tests", "examples/*", "bench"],
  },
});
