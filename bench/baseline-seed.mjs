// The seed module's storage algorithm, rewritten here for comparison (it is not shipped):
// one pretty-printed session.json per session, rewritten in place with writeFileSync on every change,
// no lock, and every query reads and parses every file. See research/seed-behaviour.md.
import fs from "node:fs";
import path from "node:path";

const STATUSES = ["active", "paused", "completed", "failed", "timeout"];

/** A seed-style store rooted at `dir` (the seed hard-coded its directory; here it is a parameter). */
export function createSeedBaseline(dir) {
  const fileOf = (id) => path.join(dir, id, "session.json");

  function ensureDir() {
    if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
  }

  function getSession(id) {
    const file = fileOf(id);
    if (!fs.existsSync(file)) return null;
    try {
      return JSON.parse(fs.readFileSync(file, "utf-8"));
    } catch {
      return null; // the seed logs and treats a damaged file as missing
    }
  }

  function saveSession(session) {
    session.updatedAt = new Date().toISOString();
    fs.writeFileSync(fileOf(session.id), JSON.stringify(session, null, 2));
  }

  /** The seed's importSession: parse and write to <dir>/<id>/session.json. */
  function importSession(json) {
    const session = JSON.parse(json);
    ensureDir();
    fs.mkdirSync(path.join(dir, session.id), { recursive: true });
    fs.writeFileSync(fileOf(session.id), JSON.stringify(session, null, 2));
    return session;
  }

  /** The seed's addEvent (without a webhook configured): read, push, rewrite. False if missing. */
  function addEvent(id, type, data = {}) {
    const session = getSession(id);
    if (!session) return false;
    session.history.push({ timestamp: new Date().toISOString(), type, data });
    if (type === "iteration") session.iterations++;
    saveSession(session);
    return true;
  }

  function listSessions(filter = {}) {
    ensureDir();
    const sessions = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const session = getSession(entry.name);
      if (session) sessions.push(session);
    }
    let out = sessions;
    if (filter.userId) out = out.filter((s) => s.userId === filter.userId);
    if (filter.channelId) out = out.filter((s) => s.channelId === filter.channelId);
    if (filter.mode) out = out.filter((s) => s.mode === filter.mode);
    if (filter.status) {
      const statuses = Array.isArray(filter.status) ? filter.status : [filter.status];
      out = out.filter((s) => statuses.includes(s.status));
    }
    if (filter.createdAfter) out = out.filter((s) => s.createdAt >= filter.createdAfter);
    if (filter.createdBefore) out = out.filter((s) => s.createdAt <= filter.createdBefore);
    out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const offset = filter.offset || 0;
    const limit = filter.limit || out.length;
    return out.slice(offset, offset + limit).map((s) => ({
      id: s.id,
      mode: s.mode,
      status: s.status,
      task: s.task,
      userId: s.userId,
      channelId: s.channelId,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      iterations: s.iterations,
      maxIterations: s.maxIterations,
    }));
  }

  function getSessionStats(filter) {
    const sessions = listSessions(filter);
    const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    const byMode = {};
    let iterations = 0;
    for (const s of sessions) {
      byStatus[s.status]++;
      byMode[s.mode] = (byMode[s.mode] || 0) + 1;
      iterations += s.iterations;
    }
    const n = sessions.length;
    return {
      total: n,
      byStatus,
      byMode,
      averageIterations: n ? iterations / n : 0,
      successRate: n ? (byStatus.completed / n) * 100 : 0,
    };
  }

  function deleteSession(id) {
    const sessionDir = path.join(dir, id);
    if (!fs.existsSync(sessionDir)) return false;
    fs.rmSync(sessionDir, { recursive: true, force: true });
    return true;
  }

  /** The store-level cleanup: terminal sessions created more than maxAgeMs ago. */
  function cleanupOldSessions(maxAgeMs, nowMs = Date.now()) {
    let deleted = 0;
    for (const s of listSessions()) {
      if (s.status === "active" || s.status === "paused") continue;
      if (nowMs - new Date(s.createdAt).getTime() > maxAgeMs && deleteSession(s.id)) deleted++;
    }
    return deleted;
  }

  return {
    dir,
    getSession,
    saveSession,
    importSession,
    addEvent,
    listSessions,
    getSessionStats,
    deleteSession,
    cleanupOldSessions,
  };
}
