import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "example-dir-adapter", include: ["test/**/*.test.ts"], testTimeout: 180_000 },
});
