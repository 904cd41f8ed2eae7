// The seed module's public surface (its index.ts): manager functions, five aliases, and the
// store-level functions under their own names. `cleanupOldSessions` is the store version
// (milliseconds) here, exactly as the seed's index exported it; `cleanupSessions` takes days.
export {
  addEvent,
  completeSession,
  failSession,
  incrementIteration,
  pauseSession,
  type ResumeOptions,
  recordLearning,
  recordToolCall,
  resumeSession,
  startSession,
} from "./lifecycle-api.js";
export {
  cleanupSessions,
  getActiveSessions,
  getCompletedSessions,
  getFailedSessions,
  getPausedSessions,
  getSessionContext,
  getSessionDuration,
  getSessionProgress,
  getTimedOutSessions,
  isSessionResumable,
  updateContext,
} from "./query-api.js";
export {
  type CompatOptions,
  closeSessionStore,
  configure,
  configureWebhook,
  DEFAULT_COMPAT_DIR,
  getSessionsDir,
} from "./state.js";
export {
  cleanupOldSessions,
  createSession,
  deleteSession,
  deleteSession as removeSession,
  getSession,
  getSession as loadSession,
  getSessionStats,
  getSessionStats as getStats,
  listCorruptSessions,
  listSessions,
  listSessions as findSessions,
  saveSession,
  updateSession,
} from "./store-api.js";
export { exportSession, importSession } from "./transfer-api.js";
export type * from "./types.js";
