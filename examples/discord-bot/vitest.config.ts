import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "discord-bot", include: ["test/**/*.test.ts"], testTimeout: 60_000 },
});
