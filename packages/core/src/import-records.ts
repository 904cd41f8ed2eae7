import type { CheckDelete, ConflictMode, ImportManyOutcome, MaybePromise, StoreDriver } from "./driver.js";
import { chain, isPromise } from "./driver-kit.js";
import { errors, isSessionKitError, SessionKitError } from "./errors.js";
import { heldCheck } from "./hold-guard.js";
import { assertSessionId } from "./ids.js";
import type { Session, SessionEvent } from "./model.js";
import { parseInput, schemas } from "./schemas.js";
import type { ImportManyOptions, ImportManyResult } from "./store.js";
import { lazy, zod } from "./zod-lazy.js";

const importManyOptionsSchema = lazy(() =>
  zod().strictObject({ onConflict: zod().enum(["fail", "skip", "overwrite"]).optional() }),
);

/** One record after validation: what a driver persists. */
export interface ParsedImport {
  session: Session;
  events: SessionEvent[];
}

/** The size checks of the store (its payload limit), applied to a parsed record. */
export interface ImportLimits {
  checkSize(what: string, value: unknown, id: string): void;
  checkEventSize(event: SessionEvent, dataBound: number, id: string): void;
}

/**
 * Validates one imported session and its history exactly as importSession does: the record's
 * schema, each event's, seqs contiguous from 1, eventCount equal to the history, payload limits.
 */
export function parseImport(
  name: string,
  limits: ImportLimits,
  session: unknown,
  events: unknown,
  where = "",
): ParsedImport {
  if (session && typeof session === "object") assertSessionId((session as Session).id, name);
  const parsedSession = dropUndefined(
    parseInput(schemas().importedSession, session, `${where}session`, name),
  ) as Session;
  if (!Array.isArray(events))
    throw errors.invalidInput(
      name,
      `\`${where}events\` to be an array`,
      events,
      "Pass the exported history.",
    );
  const measured = events.map((event, index) =>
    parseInput(schemas().importedEvent, event, `${where}events[${index}]`, name),
  );
  const parsedEvents = measured.map(({ event }) => event);
  parsedEvents.forEach((event, index) => {
    if (event.seq !== index + 1) {
      throw errors.invalidInput(
        name,
        `${where}events[${index}].seq to be ${index + 1}`,
        event.seq,
        "Histories are contiguous from seq 1.",
      );
    }
  });
  if (parsedSession.eventCount !== parsedEvents.length) {
    throw errors.invalidInput(
      name,
      `${where}session.eventCount to equal the ${parsedEvents.length} events given`,
      parsedSession.eventCount,
      "Export the session together with its whole history.",
    );
  }
  limits.checkSize("The record", parsedSession, parsedSession.id);
  for (const { event, dataBound } of measured) limits.checkEventSize(event, dataBound, parsedSession.id);
  return { session: parsedSession, events: parsedEvents };
}

/**
 * store.importMany(): the records in order, as if imported one after another, in as few driver
 * calls as the driver allows. The first record that fails (invalid, its id taken under "fail",
 * held under "overwrite") stops the import: every record before it is in the store, it and
 * every later one are not, and the error says so (details.index, details.imported).
 */
export function importMany(
  driver: StoreDriver,
  limits: ImportLimits,
  records: unknown,
  options: ImportManyOptions | undefined,
): MaybePromise<ImportManyResult> {
  const name = driver.name;
  if (!Array.isArray(records))
    throw errors.invalidInput(
      name,
      "`records` to be an array of {session, events}",
      records,
      "Pass an array.",
    );
  const { onConflict = "fail" } = parseInput(importManyOptionsSchema(), options ?? {}, "options", name);
  const parsed: ParsedImport[] = [];
  let invalid: unknown;
  for (const [index, record] of records.entries()) {
    try {
      const { session, events } = (record ?? {}) as { session?: unknown; events?: unknown };
      parsed.push(parseImport(name, limits, session, events, `records[${index}].`));
    } catch (error) {
      invalid = error; // the valid records before it are still imported, as one by one would
      break;
    }
  }
  const check = onConflict === "overwrite" ? heldCheck(name) : undefined;
  const result: ImportManyResult = { imported: [], skipped: [] };
  const chunks = distinctRuns(parsed);
  const step = (k: number): MaybePromise<ImportManyResult> => {
    const chunk = chunks[k];
    if (chunk === undefined) {
      if (invalid !== undefined) throw stoppedAt(name, result, invalid);
      return result;
    }
    return chain(driverImport(driver, chunk, onConflict, check), (outcome) => {
      outcome.outcomes.forEach((done, index) => {
        (done === "skipped" ? result.skipped : result.imported).push(chunk[index]!.session.id);
      });
      if (outcome.error !== undefined) throw stoppedAt(name, result, outcome.error);
      return step(k + 1);
    });
  };
  return step(0);
}

/** The records cut into runs of distinct ids (a driver call never sees one id twice). */
function distinctRuns(records: ParsedImport[]): ParsedImport[][] {
  const runs: ParsedImport[][] = [];
  let ids = new Set<string>();
  for (const record of records) {
    if (runs.length === 0 || ids.has(record.session.id)) {
      runs.push([]);
      ids = new Set();
    }
    ids.add(record.session.id);
    runs[runs.length - 1]!.push(record);
  }
  return runs;
}

/** driver.importMany when it has one, else insert() record by record with the same outcomes. */
function driverImport(
  driver: StoreDriver,
  records: ParsedImport[],
  onConflict: ConflictMode,
  check: CheckDelete | undefined,
): MaybePromise<ImportManyOutcome> {
  if (driver.importMany) {
    return driver.importMany(records, { onConflict, ...(check ? { check } : {}) });
  }
  const outcomes: ImportManyOutcome["outcomes"] = [];
  const one = (k: number): MaybePromise<ImportManyOutcome> => {
    const record = records[k];
    if (record === undefined) return { outcomes };
    let written: MaybePromise<void>;
    try {
      written = driver.insert(record.session, record.events, {
        overwrite: onConflict === "overwrite",
        ...(check ? { check } : {}),
      });
    } catch (error) {
      return settle(error, k);
    }
    const next = () => {
      outcomes.push("written");
      return one(k + 1);
    };
    return isPromise(written) ? written.then(next, (error: unknown) => settle(error, k)) : next();
  };
  const settle = (error: unknown, k: number): MaybePromise<ImportManyOutcome> => {
    if (onConflict === "skip" && isSessionKitError(error, "ERR_SESSION_EXISTS")) {
      outcomes.push("skipped");
      return one(k + 1);
    }
    return { outcomes, error };
  };
  return one(0);
}

/** The error of the record an import stopped at, saying what was imported before it. */
function stoppedAt(name: string, result: ImportManyResult, error: unknown): unknown {
  const index = result.imported.length + result.skipped.length;
  const before = `records 0 to ${index - 1} were imported or skipped before it; none after it was`;
  const tail = index === 0 ? "nothing was imported" : before;
  if (!isSessionKitError(error)) return errors.io(name, `import (record ${index}; ${tail})`, error);
  return new SessionKitError(
    error.code,
    `${error.message} (importMany stopped at records[${index}]; ${tail}.)`,
    {
      cause: error,
      details: { ...error.details, index, imported: result.imported.length, skipped: result.skipped.length },
    },
  );
}

/** Deletes the keys whose value is undefined (the stored form never has them). */
export function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}
