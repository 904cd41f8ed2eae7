// A small third-party adapter: every session of a store in one JSON file, written atomically.
// Plain ESM JavaScript so `node --test` and the conformance child process load it without a build.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  addToAggregate,
  compareForList,
  decodeEvent,
  decodeRecord,
  defineSessionStore,
  emptyAggregate,
  encodeRecord,
  errors,
  isAfterPosition,
  isSessionKitError,
  matchesFilter,
  toSummary,
} from "@sessionkit/core";

const NAME = "store-json-file";
const FORMAT = "sessionkit-example-json-store/1";

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
  function decode(id, entry) {
    let raw;
    try {
      raw = JSON.parse(entry.record);
    } catch (error) {
      throw errors.corrupt(NAME, id, "the record is not valid JSON", error);
    }
    return decodeRecord(raw, id, NAME).session;
  }
  function decodeEvents(id, entry) {
    try {
      return JSON.parse(entry.events).map((event) => decodeEvent(event, id, NAME));
    } catch (error) {
      if (isSessionKitError(error)) throw error;
      throw errors.corrupt(NAME, id, "the history is not valid JSON", error);
    }
  }
  /** Healthy sessions, plus a report of every damaged one. */
  function scan(db) {
    const sessions = [];
    const corrupt = [];
    for (const [id, entry] of Object.entries(db.sessions)) {
      try {
        sessions.push(decode(id, entry));
      } catch (error) {
        if (!isSessionKitError(error)) throw error;
        corrupt.push({ id, code: error.code, message: error.message });
      }
    }
    return { sessions, corrupt };
  }

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
    insert(session, events, { overwrite }) {
      const db = load();
      if (!overwrite && Object.hasOwn(db.sessions, session.id)) throw errors.exists(NAME, session.id);
      db.sessions[session.id] = {
        record: JSON.stringify(encodeRecord(session)),
        events: JSON.stringify(events),
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
        events: JSON.stringify([...decodeEvents(id, entry), ...events]),
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
    list(filter, after, limit) {
      const { sessions, corrupt } = scan(load());
      const items = sessions
        .filter((session) => matchesFilter(session, filter) && (!after || isAfterPosition(session, after)))
        .sort(compareForList)
        .slice(0, limit)
        .map(toSummary);
      return { items, corrupt };
    },
    stats(filter) {
      const aggregate = emptyAggregate();
      for (const session of scan(load()).sessions)
        if (matchesFilter(session, filter)) addToAggregate(aggregate, session);
      return aggregate;
    },
    delete(id, expectedVersion) {
      const db = load();
      const entry = db.sessions[id];
      if (!entry) return false;
      if (expectedVersion !== undefined) {
        const current = decode(id, entry);
        if (current.version !== expectedVersion)
          throw errors.conflict(NAME, id, expectedVersion, current.version);
      }
      delete db.sessions[id];
      save(db);
      return true;
    },
    prune(statuses, before, dryRun) {
      const db = load();
      const ids = scan(db)
        .sessions.filter((session) => statuses.includes(session.status) && session.updatedAt < before)
        .map((session) => session.id);
      if (!dryRun && ids.length > 0) {
        for (const id of ids) delete db.sessions[id];
        save(db);
      }
      return ids;
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
