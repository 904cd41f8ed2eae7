import { describeConformance } from "@sessionkit/conformance/vitest";
import { harness } from "../src/harness.mjs";

// The whole suite, the way an outsider runs it; the crash case with fewer kills to keep the example quick.
describeConformance(harness, { crashIterations: 20 });
