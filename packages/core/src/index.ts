// The application-facing surface of @sessionkit/core. Adapter authors import `@sessionkit/core/driver`.
export {
  canonicalEventJson,
  canonicalJson,
  canonicalSessionJson,
  EVENT_KEY_ORDER,
} from "./canonical-json.js";
export { type Clock, createManualClock, isoNow, type ManualClock, systemClock } from "./clock.js";
export { DEFAULT_MAX_PAYLOAD_BYTES } from "./driver-kit.js";
export {
  ERROR_CODES,
  type ErrorCode,
  isSessionKitError,
  SessionKitError,
  type SessionKitErrorOptions,
} from "./errors.js";
export { createSessionId, isValidSessionId } from "./ids.js";
export type { JsonObject, JsonValue } from "./json.js";
export { createSessionManager } from "./manager/create-manager.js";
export {
  type Actor,
  applyOperationSync,
  type Decision,
  decide,
  type IterationUsage,
  isSessionResumable,
  OPERATION_ID_RETENTION,
  type Operation,
  type ResumableOptions,
  type StuckReason,
  sessionDuration,
  sessionProgress,
  stuckReason,
  type TokenUsage,
  TRANSITION_TABLE,
} from "./manager/index.js";
export {
  acquireRetentionLease,
  DEFAULT_RETENTION_LEASE_MS,
  type HeldLease,
  RETENTION_LEASE,
  type RetentionLeaseOptions,
} from "./manager/retention-lease.js";
export type * from "./manager/types.js";
export { createMemoryStore, type MemoryStoreOptions, memoryStoreCapabilities } from "./memory-store.js";
export {
  type AgentSession,
  CORE_EVENT_TYPES,
  type CoreEventType,
  EVENT_TYPE_PATTERN,
  INPUT_ACTIONS,
  INPUT_KINDS,
  type InputAction,
  type InputAnswer,
  type InputKind,
  type InputRequest,
  isTerminalStatus,
  type LegalHold,
  type NewEvent,
  type PauseInfo,
  SESSION_KEY_ORDER,
  SESSION_STATUSES,
  type Session,
  type SessionEvent,
  type SessionMetadata,
  type SessionStatus,
  type SessionSummary,
  TERMINAL_STATUSES,
  type TerminalStatus,
} from "./model.js";
export { OPERATION_RESULT_MAX_BYTES, OPERATION_RESULT_RETENTION } from "./operation-results.js";
export type * from "./store.js";
export {
  canonicalExportLine,
  copySessions,
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  type ExportHeader,
  type ExportRecord,
  type ExportSessionsOptions,
  exportSessions,
  type ImportSessionsOptions,
  importSessions,
  parseExportHeader,
  type TransferProgress,
} from "./transfer.js";
export {
  DEFAULT_SIGNATURE_TOLERANCE_MS,
  DEFAULT_WEBHOOK_EVENTS,
  type SessionNotification,
  SIGNATURE_HEADER,
  signWebhook,
  type VerifyWebhookInput,
  verifyWebhookSignature,
  WEBHOOK_PAYLOAD_VERSION,
  type WebhookConfig,
  type WebhookDelivery,
} from "./webhooks/index.js";
