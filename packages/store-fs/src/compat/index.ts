// The seed module's public surface (its index.ts): the manager's functions, five aliases, and the
// store-level functions under their own names. compat/manager, compat/store and compat/types
// mirror the seed's files of those names.

// Everything compat/manager exports, as the seed's index re-exported its manager...
export * from "./manager.js";
export { cleanupSessions } from "./query-api.js";
// ...except `cleanupOldSessions`, which the seed's index took from store.ts: milliseconds, with
// 1..999 refused (see root-cleanup.ts). This explicit export shadows the one of `export *`.
export { cleanupOldSessions } from "./root-cleanup.js";
export {
  createSession,
  deleteSession as removeSession,
  getSession as loadSession,
  getSessionStats as getStats,
  listCorruptSessions,
  listSessions as findSessions,
  saveSession,
  updateSession,
} from "./store-api.js";
export { exportSession, importSession } from "./transfer-api.js";
export type * from "./types.js";
