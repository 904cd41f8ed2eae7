// A small third-party adapter: every session of a store in one JSON file, written atomically.
// Plain ESM JavaScript so `node --test` and the conformance child process load it without a build.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  checkReplaced,
  defineSessionStore,
  encodeRecord,
  errors,
  parseEventText,
  parseRecordText,
  scanEntries,
} from "@sessionkit/core/driver";

const NAME = "store-json-file";
const FORMAT = "sessionkit-example-json-store/2";

/** The file a store in `dir` keeps its sessions in. */
export function storeFile(dir) {
  return join(dir, "sessions.json");
}

/**
 * A StoreDriver over one JSON file. Each session is kept as JSON text (record and events apart), so
 * one damaged record never hides the others. Every operation re-reads the file: two handles on the
 * same file see each other's writes at once. Writes go to a temporary file renamed over the old one,
 * so a killed writer leaves the old or the new file. There is no cross-process lock: one writing
 * process at a time.
 * @param {{ dir: string }} options
 */
export function createJsonFileDriver({ dir }) {
  const file = storeFile(dir);
  if (!existsSync(file)) save({ format: FORMAT, sessions: {} });

  function load() {
    const db = JSON.parse(readFileSync(file, "utf8"));
    if (db?.format !== FORMAT) throw new Error(`${file} is not a ${FORMAT} file`);
    return db;
  }
  function save(db) {
    const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(temp, JSON.stringify(db));
    renameSync(temp, file);
  }
  // Record and events are kept as JSON text, so one damaged entry never hides the others.
  const decode = (id, entry) => parseRecordText(entry.record, id, NAME);
  const decodeEvents = (id, entry) => entry.events.map((text) => parseEventText(text, id, NAME));

  return {
    name: NAME,
    capabilities: {
      persistent: true,
      multiHandle: true,
      multiProcess: false,
      crashSafe: true,
      sync: true,
      maxPayloadBytes: 4 * 1024 * 1024,
    },
    insert(session, events, { overwrite, check }) {
      const db = load();
      const existing = Object.hasOwn(db.sessions, session.id) ? db.sessions[session.id] : undefined;
      if (!overwrite && existing) throw errors.exists(NAME, session.id);
      if (existing) checkReplaced(() => decode(session.id, existing), check); // e.g. a legal hold refuses
      db.sessions[session.id] = {
        record: JSON.stringify(encodeRecord(session)),
        events: events.map((event) => JSON.stringify(event)),
      };
      save(db);
    },
    get(id) {
      const entry = load().sessions[id];
      return entry ? decode(id, entry) : null;
    },
    commit(id, plan) {
      const db = load();
      const entry = db.sessions[id];
      if (!entry) throw errors.notFound(NAME, id);
      const { next, events } = plan(decode(id, entry));
      db.sessions[id] = {
        record: JSON.stringify(encodeRecord(next)),
        events: [...entry.events, ...events.map((event) => JSON.stringify(event))],
      };
      save(db);
      return next;
    },
    readEvents(id, fromSeq, toSeq) {
      const entry = load().sessions[id];
      if (!entry) throw errors.notFound(NAME, id);
      return decodeEvents(id, entry).filter(
        (event) => event.seq >= fromSeq && (toSeq === undefined || event.seq <= toSeq),
      );
    },
    // The store derives list, count, stats and prune from this.
    scan() {
      return scanEntries(Object.entries(load().sessions), decode);
    },
    delete(id, check) {
      const db = load();
      const entry = db.sessions[id];
      if (!entry) return false;
      check?.(decode(id, entry));
      delete db.sessions[id];
      save(db);
      return true;
    },
    close() {},
  };
}

/**
 * A SessionStore keeping every session in `<dir>/sessions.json`.
 * @param {{ dir: string, clock?: import("@sessionkit/core").Clock }} options
 */
export function createJsonFileStore(options) {
  return defineSessionStore(createJsonFileDriver(options), options.clock ? { clock: options.clock } : {});
}
