#!/usr/bin/env node
import { main } from "./program.js";

// exitCode, not exit(): stdout of a pipe must drain before the process ends.
main(process.argv).then((code) => {
  process.exitCode = code;
});
