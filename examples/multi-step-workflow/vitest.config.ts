import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "multi-step-workflow", include: ["test/**/*.test.ts"], testTimeout: 60_000 },
});
