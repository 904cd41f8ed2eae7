export { applyOperationSync } from "./commit-loop.js";
export * from "./create-manager.js";
export { OPERATION_ID_RETENTION } from "./idempotency.js";
export {
  AWAITING_INPUT,
  INPUT_ANSWER_RETENTION,
  type InboxOperation,
  type InputExpiryPolicy,
  MAX_OPEN_REQUESTS,
} from "./inbox.js";
export type { CrashStatus, OwnershipOperation } from "./ownership.js";
export { DEFAULT_LEASE_MS } from "./ownership-options.js";
export {
  isSessionResumable,
  type ResumableOptions,
  type StuckReason,
  sessionDuration,
  sessionProgress,
  stuckReason,
} from "./session-facts.js";
export {
  type Actor,
  type Decision,
  decide,
  type IterationUsage,
  type Operation,
  type TokenUsage,
  TRANSITION_TABLE,
} from "./transitions.js";
export type * from "./types.js";
