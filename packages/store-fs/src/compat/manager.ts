// Mirror of the seed's manager.ts: the lifecycle API plus its pass-through queries. Here, as in
// the seed's manager.ts, `cleanupOldSessions` takes DAYS (default 30): `/session cleanup` with its
// default of 30 keeps every session finished within the last 30 days.
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
  cleanupSessions as cleanupOldSessions,
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
export { deleteSession, getSession, getSessionStats, listSessions } from "./store-api.js";
