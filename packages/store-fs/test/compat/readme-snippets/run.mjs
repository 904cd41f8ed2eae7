// Runs the compiled README snippets in order against a sessions directory, checking what each
// one did to the store. Prints one JSON line per snippet: {name, ok, error?, logs}.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  closeSessionStore,
  completeSession,
  configure,
  configureWebhook,
  getSession,
  isSessionResumable,
  listSessions,
  pauseSession,
  resumeSession,
  startSession,
} from "@sessionkit/store-fs/compat";

const [dir, outDir] = process.argv.slice(2);
configure({ dir, webhookUrl: null });
const types = (id) => getSession(id).history.map((event) => event.type);

async function load(name) {
  return import(pathToFileURL(join(outDir, `${name}.js`)).href);
}

const snippets = {
  async "01-basic-usage"() {
    const error = await load("01-basic-usage").then(
      () => null,
      (caught) => caught,
    );
    // The README's last line fails a completed session: refused now, with the seed's message.
    assert.equal(error?.code, "ERR_INVALID_TRANSITION");
    assert.match(error.message, /^Cannot fail session in status: completed/);
    const [summary] = listSessions({ userId: "user123", mode: "developer", status: "completed" });
    const session = getSession(summary.id);
    assert.equal(session.result, "Feature implemented");
    assert.deepEqual(session.context, { priority: "high" });
    assert.deepEqual(types(session.id), ["start", "pause", "resume", "complete"]);
  },
  async "02-event-tracking"() {
    globalThis.session = await startSession("Track events", "developer", { userId: "user123" });
    await load("02-event-tracking");
    const session = getSession(globalThis.session.id);
    assert.deepEqual(types(session.id), ["start", "iteration", "tool_call", "learning", "custom_event"]);
    assert.equal(session.iterations, 1);
    assert.deepEqual(session.history[4].data, { customField: "value" });
  },
  async "03-context-and-resumption"() {
    globalThis.session = await startSession("Resume me", "developer");
    await pauseSession(globalThis.session.id, "lunch");
    await load("03-context-and-resumption");
    assert.equal(getSession(globalThis.session.id).status, "active");
    assert.deepEqual(types(globalThis.session.id), ["start", "pause", "resume"]);
  },
  async "04-session-queries"(logs) {
    await load("04-session-queries");
    assert.ok(logs.some((line) => /^Total: \d+$/.test(line)));
    assert.ok(logs.some((line) => /^Success rate: [\d.]+%$/.test(line)));
  },
  async "05-session-cleanup"(logs) {
    globalThis.session = await startSession("Remove me", "developer");
    await load("05-session-cleanup");
    assert.equal(getSession(globalThis.session.id), null);
    assert.ok(logs.includes("Cleaned 0 old sessions"));
  },
  async "06-webhook-notifications"() {
    await load("06-webhook-notifications");
    // Nothing listens on :3001; lifecycle calls still complete, the webhook fails in the background.
    const session = await startSession("With webhook", "developer");
    const done = await completeSession(session.id, "ok");
    assert.equal(done.status, "completed");
    configureWebhook(null);
  },
  async "07-openhands-agent"() {
    await load("07-openhands-agent");
    const ok = await globalThis.runWithSession("Ship feature Y", "developer");
    assert.equal(ok.success, true);
    const [shipped] = listSessions({ status: "completed" }).filter((s) => s.task === "Ship feature Y");
    assert.deepEqual(types(shipped.id), ["start", "iteration", "complete"]);
    await globalThis.runWithSession("please fail", "developer");
    const [failed] = listSessions({ status: "failed" }).filter((s) => s.task === "please fail");
    assert.equal(getSession(failed.id).error, "Agent gave up");
    await assert.rejects(globalThis.runWithSession("throw now", "developer"), /Agent crashed/);
    const [crashed] = listSessions({ status: "failed" }).filter((s) => s.task === "throw now");
    assert.deepEqual(types(crashed.id), ["start", "iteration", "error"]);
  },
  async "08-lightweight-agent"() {
    await load("08-lightweight-agent");
    await globalThis.runLightweightWithSession("How do I test this?", "research");
    const [done] = listSessions({ mode: "research", status: "completed" });
    assert.deepEqual(types(done.id), ["start", "learning", "complete"]);
    await assert.rejects(
      globalThis.runLightweightWithSession("throw please", "research"),
      /Model unavailable/,
    );
    const [failed] = listSessions({ mode: "research", status: "failed" });
    assert.equal(getSession(failed.id).error, "Model unavailable");
  },
  async "09-track-progress"() {
    globalThis.session = await startSession("Progress", "developer");
    await load("09-track-progress");
    assert.equal(getSession(globalThis.session.id).iterations, 3);
  },
  async "10-preserve-context"() {
    globalThis.session = await startSession("Context", "developer", { context: { keep: 1 } });
    await load("10-preserve-context");
    const session = getSession(globalThis.session.id);
    assert.equal(session.context.nextStep, "write_tests");
    assert.equal(session.context.keep, 1);
  },
  async "11-handle-timeouts"(logs) {
    globalThis.task = "Long task";
    globalThis.mode = "developer";
    await load("11-handle-timeouts");
    assert.ok(logs.includes("Max iterations reached, pausing for review"));
    const [summary] = listSessions({ status: "paused" }).filter((s) => s.task === "Long task");
    const session = getSession(summary.id);
    assert.equal(session.iterations, 50);
    assert.equal(session.pause.reason, "Max iterations reached");
    assert.deepEqual(types(session.id).slice(-3), ["iteration", "timeout", "pause"]);
    // The review's answer: resume with a raised budget.
    assert.equal(isSessionResumable(session.id), false);
    const resumed = await resumeSession(session.id, { extendIterations: 10 });
    assert.equal(resumed.status, "active");
    assert.equal(resumed.maxIterations, 60);
  },
  async "12-regular-cleanup"(logs) {
    const original = globalThis.setInterval;
    globalThis.setInterval = (fn) => {
      fn();
      return 0;
    };
    try {
      await load("12-regular-cleanup");
    } finally {
      globalThis.setInterval = original;
    }
    assert.ok(logs.includes("Cleaned 0 old sessions"));
  },
  async "13-troubleshooting"(logs) {
    const [done] = listSessions({ status: "completed", limit: 1 });
    globalThis.sessionId = done.id;
    await load("13-troubleshooting");
    assert.ok(
      logs.some((line) => line.startsWith("Cannot pause: Cannot pause session in status: completed")),
    );
  },
  async "14-remove-corrupted"() {
    const id = "session_abc123_xyz";
    mkdirSync(join(dir, id), { recursive: true });
    writeFileSync(join(dir, id, "session.json"), '{"id": "session_abc1');
    globalThis.corruptedSessionId = id;
    await load("14-remove-corrupted");
    assert.equal(existsSync(join(dir, id)), false);
  },
};

for (const [name, check] of Object.entries(snippets)) {
  const logs = [];
  const saved = { log: console.log, error: console.error };
  console.log = (...args) => logs.push(args.map(String).join(" "));
  console.error = (...args) => logs.push(args.map(String).join(" "));
  let outcome;
  try {
    await check(logs);
    outcome = { name, ok: true, logs };
  } catch (error) {
    outcome = { name, ok: false, error: String(error?.stack ?? error), logs };
  } finally {
    Object.assign(console, saved);
  }
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
}
await closeSessionStore();
