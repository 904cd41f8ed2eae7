// The conformance harness: no optional hooks, so the cases that need them are skipped and say why.
import { createDirStore } from "./dir-store.mjs";

/** @type {import("@sessionkit/conformance").ConformanceHarness} */
export const harness = {
  name: "store-dir",
  create: (ctx) => createDirStore({ dir: ctx.dir, clock: ctx.clock }),
  reopen: (ctx) => createDirStore({ dir: ctx.dir, clock: ctx.clock }),
  childModule: new URL("./child-store.mjs", import.meta.url).href,
};
