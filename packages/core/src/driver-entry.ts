// `@sessionkit/core/driver`: everything an adapter needs, and nothing an application does.
export {
  canonicalEventJson,
  canonicalJson,
  canonicalSessionJson,
  EVENT_KEY_ORDER,
} from "./canonical-json.js";
export type { Clock } from "./clock.js";
export { type DefineStoreOptions, defineSessionStore } from "./define-store.js";
export type {
  ChangeFacts,
  ChangeFeed,
  ChangeRecord,
  CheckDelete,
  CommitPlan,
  CommitPlanOperation,
  ConflictMode,
  ImportManyOutcome,
  InboxFilter,
  IndexedStoreDriver,
  LeaseSwap,
  ListPosition,
  MaybePromise,
  NewChange,
  ParsedFilter,
  PlanCommit,
  ScanResult,
  StatsAggregate,
  StoreDriver,
} from "./driver.js";
export {
  addToAggregate,
  chain,
  checkReplaced,
  checkReplacedAsync,
  collectPage,
  corruptReport,
  DEFAULT_MAX_PAYLOAD_BYTES,
  decodeOrReport,
  emptyAggregate,
  foldStats,
  fullContractCapabilities,
  type ImportManyPlan,
  indexableMetadata,
  isCorruptRecordError,
  isDueForPrune,
  isPromise,
  METADATA_KEY_PATTERN,
  type PageSource,
  parseEventText,
  parseRecordText,
  parseStoredJson,
  planImportMany,
  type StatsGroup,
  scanEntries,
} from "./driver-kit.js";
export {
  describeValue,
  type ErrorCode,
  errors,
  isSessionKitError,
  SessionKitError,
} from "./errors.js";
export { DELETE_BATCH_SIZE } from "./hold-guard.js";
export { assertSessionId, isValidSessionId, SESSION_ID_PATTERN } from "./ids.js";
export { collectInbox, type InboxSource, matchingRequests, scanInbox } from "./inbox-query.js";
export { type InstantReading, MAX_INSTANT_MS, MIN_INSTANT_MS, readInstant } from "./instants.js";
export {
  isPlainObject,
  type JsonObject,
  type JsonValue,
  jsonEqual,
  toJsonObject,
  toJsonValue,
} from "./json.js";
export { createMemoryDriver, memoryStoreCapabilities } from "./memory-store.js";
export {
  EVENT_TYPE_PATTERN,
  isTerminalStatus,
  type OperationRecord,
  SESSION_KEY_ORDER,
  SESSION_STATUSES,
  type Session,
  type SessionEvent,
  type SessionStatus,
  type SessionSummary,
  SUMMARY_KEYS,
  toSummary,
} from "./model.js";
export {
  OPERATION_ID_RETENTION,
  OPERATION_RESULT_RETENTION,
  retainedEntry,
  START_OPERATION,
  trimOperations,
} from "./operation-results.js";
export { DEFAULT_CLIENT_CLOSE_TIMEOUT_MS, type OwnedClient, releaseOwnedClient } from "./owned-client.js";
export { compareForList, isAfterPosition, matchesFilter, normalizeInstant, parseFilter } from "./query.js";
export { READ_BATCH_SIZE } from "./read-many.js";
export {
  type DecodedRecord,
  decodeEvent,
  decodeRecord,
  encodeRecord,
  RECORD_SCHEMA_VERSION,
} from "./records.js";
export { parseInput } from "./schemas.js";
export { checkShape, is, optional, parseShape, type Shape, ShapeIssue, withDefault } from "./shape.js";
export type {
  CorruptRecordReport,
  MetadataFilterValue,
  SessionFilter,
  SessionStore,
  StoreCapabilities,
  SyncSessionStore,
} from "./store.js";
export { LEASE_NAME_PATTERN, MAX_LEASE_TEXT } from "./store-lease.js";
export type { ChangeLogRow } from "./watch-change.js";
export {
  commitChange,
  decodeChange,
  deleteChange,
  encodeChangeFacts,
  factsOf,
  insertChange,
} from "./watch-change.js";
export {
  type ChangeLogOptions,
  changeLogLength,
  countingWrites,
  cursorExpired,
  DEFAULT_CHANGE_LOG_LENGTH,
  trimSlack,
} from "./watch-retention.js";
