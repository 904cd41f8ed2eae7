// Mirror of the seed's store.ts: the synchronous storage layer. Here, as in the seed's store.ts,
// `cleanupOldSessions` takes MILLISECONDS (the seed's own tests call cleanupOldSessions(0) and
// cleanupOldSessions(0.00001)).
export {
  type CompatOptions,
  closeSessionStore,
  configure,
  DEFAULT_COMPAT_DIR,
  getSessionsDir,
} from "./state.js";
export {
  cleanupOldSessions,
  createSession,
  deleteSession,
  getSession,
  getSessionStats,
  listCorruptSessions,
  listSessions,
  saveSession,
  updateSession,
} from "./store-api.js";
export { exportSession, importSession } from "./transfer-api.js";
