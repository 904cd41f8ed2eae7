export * from "./assertions.js";
export * from "./case.js";
export { HOSTILE_STRINGS, UNICODE_STRINGS, VALUE_MATRIX } from "./cases/fidelity.js";
export { ChildError, startChildStore } from "./child.js";
export * from "./context.js";
export type * from "./harness.js";
export { formatOffset, type RaceOffset, type RaceRound } from "./race.js";
export { formatReport } from "./report.js";
export * from "./run.js";
