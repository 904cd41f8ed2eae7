// The same suite under node:test, for authors who do not use vitest: `node --test test/node-conformance.mjs`.
import { describeConformance } from "@sessionkit/conformance/node-test";
import { harness } from "../src/harness.mjs";

describeConformance(harness, { crashIterations: 10 });
