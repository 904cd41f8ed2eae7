import { describeConformance } from "@sessionkit/conformance/vitest";
import { harness } from "../src/harness.mjs";

// The whole suite over the scan()-only adapter; the crash case with fewer kills to keep the example quick.
describeConformance(harness, { crashIterations: 20 });
