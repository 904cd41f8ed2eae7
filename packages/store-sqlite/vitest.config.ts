import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "store-sqlite", include: ["test/**/*.test.ts"], testTimeout: 60_000 },
});
