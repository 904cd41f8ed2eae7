import { createMemoryStore } from "@sessionkit/core";
import { describeConformance } from "../src/vitest.js";

describeConformance({
  name: "store-memory",
  create: (ctx) => createMemoryStore({ clock: ctx.clock }),
  createWithChangeLog: (ctx, maxLength) => createMemoryStore({ clock: ctx.clock, changeLog: { maxLength } }),
});
