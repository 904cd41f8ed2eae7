// Deterministic sessions and events shared by every subject, so each one stores the same bytes.

export const STATUSES = ["active", "paused", "completed", "failed", "timeout"];
export const USERS = 100;
/** Base instant of generated data; createdAt of session i is BASE + i seconds. */
export const BASE_MS = Date.parse("2026-01-01T00:00:00.000Z");

const iso = (ms) => new Date(ms).toISOString();

/** The `data` of one tool_call event, about 200 bytes of JSON. */
export function eventData(i) {
  const data = { tool: "web_search", args: { query: "" }, result: "ok", durationMs: 40 + (i % 60), i };
  const base = JSON.stringify(data).length;
  data.args.query = "q".repeat(Math.max(0, 200 - base));
  return data;
}

/** A history of `n` stored events (seq 1..n). */
export function makeEvents(n, startMs = BASE_MS) {
  const events = new Array(n);
  for (let i = 0; i < n; i++) {
    events[i] = { seq: i + 1, timestamp: iso(startMs + i), type: "tool_call", data: eventData(i) };
  }
  return events;
}

export const sessionId = (tag, i) => `session_${tag}_${String(i).padStart(6, "0")}`;

/**
 * Session number `i` of a data set: user i % USERS, status floor(i / USERS) % 5 (every user has all five), created
 * `i` seconds after BASE (so createdAt order is i order), updated at createdAt unless given.
 */
export function makeSession(id, i, nEvents, overrides = {}) {
  const createdAt = overrides.createdAt ?? iso(BASE_MS + i * 1000);
  const session = {
    id,
    userId: `user_${i % USERS}`,
    mode: i % 3 === 0 ? "research" : "code",
    task: `Task number ${i}: look something up and write it down`,
    status: STATUSES[Math.floor(i / USERS) % STATUSES.length],
    createdAt,
    updatedAt: overrides.updatedAt ?? createdAt,
    iterations: nEvents,
    maxIterations: 100,
    context: { channel: "bench", step: i % 7 },
    metadata: { model: "some-model", toolsUsed: ["web_search"] },
    version: 1 + nEvents,
    eventCount: nEvents,
    ...overrides,
  };
  if (overrides.status) session.status = overrides.status;
  return { session, events: makeEvents(nEvents, Date.parse(createdAt)) };
}

/** The filter of the list workload: one user, one status, created in the second half of the data set. */
export function listFilter(total) {
  return { userId: "user_7", status: "completed", createdAfter: iso(BASE_MS + Math.floor(total / 2) * 1000) };
}

/** The same session in the seed module's shape (history inline, no version fields, no seq). */
export function toSeedShape(session, events) {
  const { version: _v, eventCount: _c, ...rest } = session;
  return { ...rest, history: events.map(({ seq: _s, ...e }) => e) };
}
