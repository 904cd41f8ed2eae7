// The smallest useful adapter: one JSON file per session in a directory, and nothing from core but
// `defineSessionStore` and the error class. It implements scan(), so the store derives list, count,
// stats and prune itself. Plain ESM JavaScript: the conformance child process loads it as it is.
import { randomBytes } from "node:crypto";
import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { checkReplaced, defineSessionStore, SessionKitError } from "@sessionkit/core/driver";

const NAME = "store-dir";

/**
 * A StoreDriver keeping `<dir>/<id>.json` = `{ session, events }` per session. Every write goes to a
 * temporary file first and is then renamed (or, for a new session, hard-linked: that fails if the id
 * is taken) into place, so a killed writer leaves the old or the new file. Methods are synchronous and
 * run to the end without yielding, so two handles in one process never interleave; there is no
 * cross-process lock (it does not claim multiProcess).
 * @param {{ dir: string }} options
 */
export function createDirDriver({ dir }) {
  mkdirSync(dir, { recursive: true });
  const file = (id) => join(dir, `${id}.json`);
  const fail = (code, id, why) =>
    new SessionKitError(code, `[${NAME}] Session "${id}" ${why}.`, { details: { id } });

  function read(id) {
    let text;
    try {
      text = readFileSync(file(id), "utf8");
    } catch (error) {
      if (error.code === "ENOENT") return null;
      throw error;
    }
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new SessionKitError("ERR_CORRUPT_RECORD", `[${NAME}] Session "${id}" is not valid JSON.`, {
        cause,
      });
    }
  }
  function stage(entry) {
    const temp = join(dir, `.${randomBytes(6).toString("hex")}.tmp`);
    writeFileSync(temp, JSON.stringify(entry));
    return temp;
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
    insert(session, events, { overwrite, check }) {
      if (overwrite) checkReplaced(() => read(session.id)?.session ?? null, check); // e.g. a legal hold refuses
      const temp = stage({ session, events });
      if (overwrite) return renameSync(temp, file(session.id));
      try {
        linkSync(temp, file(session.id));
      } catch (error) {
        if (error.code === "EEXIST") throw fail("ERR_SESSION_EXISTS", session.id, "already exists");
        throw error;
      } finally {
        unlinkSync(temp);
      }
    },
    get: (id) => read(id)?.session ?? null,
    commit(id, plan) {
      const entry = read(id);
      if (!entry) throw fail("ERR_SESSION_NOT_FOUND", id, "does not exist");
      const { next, events } = plan(entry.session);
      renameSync(stage({ session: next, events: [...entry.events, ...events] }), file(id));
      return next;
    },
    readEvents(id, fromSeq, toSeq) {
      const entry = read(id);
      if (!entry) throw fail("ERR_SESSION_NOT_FOUND", id, "does not exist");
      return entry.events.filter(
        (event) => event.seq >= fromSeq && (toSeq === undefined || event.seq <= toSeq),
      );
    },
    scan() {
      const ids = readdirSync(dir).flatMap((name) => (name.endsWith(".json") ? [name.slice(0, -5)] : []));
      return { sessions: ids.flatMap((id) => read(id)?.session ?? []) };
    },
    delete(id, check) {
      if (check) {
        const entry = read(id);
        if (!entry) return false;
        check(entry.session);
      }
      try {
        unlinkSync(file(id));
        return true;
      } catch (error) {
        if (error.code === "ENOENT") return false;
        throw error;
      }
    },
    close() {},
  };
}

/**
 * A SessionStore keeping one file per session in `dir`.
 * @param {{ dir: string, clock?: import("@sessionkit/core").Clock }} options
 */
export function createDirStore(options) {
  return defineSessionStore(createDirDriver(options), options.clock ? { clock: options.clock } : {});
}
