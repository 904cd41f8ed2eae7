import { describeConformance } from "@sessionkit/conformance/vitest";
import { fsHarness } from "./fs-harness.js";

describeConformance(fsHarness, {
  skip: { "SS-W-08": "runs at the issue's 100 restarts in watch-restarts.test.ts" },
});
