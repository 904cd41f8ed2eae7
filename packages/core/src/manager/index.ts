export * from "./create-manager.js";
export { type IterationUsage, type TokenUsage, TRANSITION_TABLE } from "./transitions.js";
export type * from "./types.js";
