import type { Session, SessionEvent, SessionStore, SyncSessionStore } from "@sessionkit/core";
import { expectDeepEqual, freshId, input } from "../assertions.js";
import type { CaseDefinition } from "../case.js";

/** One face of a store (async, or the sync face lifted to promises), as this case calls it. */
type Face = Pick<
  SessionStore,
  "create" | "get" | "getWithHistory" | "commit" | "readEvents" | "list" | "stats" | "importSession"
>;

function lift(face: SyncSessionStore): Face {
  return {
    create: async (...args) => face.create(...args),
    get: async (id) => face.get(id),
    getWithHistory: async (id) => face.getWithHistory(id),
    commit: async (id, change) => face.commit(id, change),
    readEvents: async (id, range) => face.readEvents(id, range),
    list: async (query) => face.list(query),
    stats: async (filter) => face.stats(filter),
    importSession: async (...args) => face.importSession(...args),
  };
}

/**
 * Mutates everything reachable from `value`, the way a careless caller would (the hostile pass of
 * issue 14 did `delete r.context.apiKey`, `p.status = "active"`, `c.session.task = "HIJACKED"`):
 * every string, number and boolean replaced, every array grown, every object given a new key and
 * its `apiKey` deleted. Reflect.* so a frozen result (also a safe answer) is left alone, not thrown on.
 */
export function vandalize(value: unknown, depth = 0): void {
  if (value === null || typeof value !== "object" || depth > 70) return;
  if (Array.isArray(value)) {
    for (const item of value) vandalize(item, depth + 1);
    Reflect.apply(Array.prototype.push, value, ["HIJACKED"]);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const member = record[key];
    if (member !== null && typeof member === "object") vandalize(member, depth + 1);
    else if (typeof member === "string") Reflect.set(record, key, "HIJACKED");
    else if (typeof member === "number") Reflect.set(record, key, member + 999);
    else if (typeof member === "boolean") Reflect.set(record, key, !member);
  }
  Reflect.deleteProperty(record, "apiKey");
  Reflect.set(record, "hijacked", true);
}

/** What a commit of one event changes: version, updatedAt, eventCount. The rest must be as it was. */
function stable(session: Session | null): Record<string, unknown> | null {
  if (session === null) return null;
  const { version: _v, updatedAt: _u, eventCount: _e, ...rest } = session;
  return rest;
}

/**
 * Takes what `call` returns, keeps a deep copy, vandalises the original, commits one event to
 * `id` (a commit plans from the stored state: an aliased cache would carry the damage into
 * storage), then checks a fresh read still equals the copy in everything the commit does not set.
 */
async function survives(
  store: Face,
  id: string,
  what: string,
  call: () => Promise<unknown>,
  fresh: () => Promise<SessionStore | undefined>,
): Promise<void> {
  const returned = await call();
  const copy = structuredClone(returned);
  // Read (and copy) the stored state before the mutation: a store handing out its cache would
  // otherwise hand this read the same objects.
  const before = structuredClone(stable(await store.get(id)));
  const history = structuredClone(await store.readEvents(id));
  vandalize(returned);
  const committed = await store.commit(id, { events: [{ type: "after_mutation", data: { what } }] });
  history.push(...committed.events);
  const read = await store.getWithHistory(id);
  const { history: readHistory = [], ...session } = read ?? {};
  expectDeepEqual(
    stable(read ? (session as Session) : null),
    before,
    `${what}: the session after mutating the returned object, then committing (a lower-level cache was shared with the caller)`,
  );
  expectDeepEqual(readHistory, history, `${what}: the history after mutating the returned object`);
  const other = await fresh();
  if (other) {
    expectDeepEqual(
      stable(await other.get(id)),
      before,
      `${what}: the session as a second handle reads it after the mutation`,
    );
  }
  if (what.endsWith("stats()")) {
    const again = await store.stats();
    expectDeepEqual(
      again.byMode,
      (copy as typeof again).byMode,
      `${what}: stats().byMode again after mutating it`,
    );
  }
}

async function everyMethod(store: Face, label: string, fresh: () => Promise<SessionStore | undefined>) {
  const id = freshId(label);
  const context = { apiKey: "k-1", nested: { list: [1, 2], flag: true } };
  const metadata = { tags: ["a"], team: "x" };
  const at = (what: string) => `${label}: ${what}`;
  await survives(
    store,
    id,
    at("create() result"),
    () => store.create(input({ id, context, metadata }), { events: [{ type: "start", data: { n: 1 } }] }),
    fresh,
  );
  await survives(store, id, at("get()"), () => store.get(id), fresh);
  await survives(store, id, at("getWithHistory()"), () => store.getWithHistory(id), fresh);
  await survives(store, id, at("list() items"), () => store.list(), fresh);
  await survives(
    store,
    id,
    at("commit() result"),
    () =>
      store.commit(id, { patch: { context: { apiKey: "k-2", deep: { n: [3] } } }, events: [{ type: "x" }] }),
    fresh,
  );
  await survives(store, id, at("readEvents()"), () => store.readEvents(id), fresh);
  await survives(store, id, at("readEvents({ last })"), () => store.readEvents(id, { last: 2 }), fresh);
  await survives(store, id, at("stats()"), () => store.stats(), fresh);
  const snapshot = (await store.getWithHistory(id))!;
  const { history, ...session } = snapshot;
  const imported = freshId(`${label}i`);
  await survives(
    store,
    imported,
    at("importSession() result"),
    () => store.importSession({ ...session, id: imported }, history as SessionEvent[]),
    fresh,
  );
}

/** SS-CRUD-14: every object any method returns belongs to the caller (issue 14, defect 1). */
export const copyCases: CaseDefinition[] = [
  {
    id: "SS-CRUD-14",
    group: "SS-CRUD",
    title:
      "every returned object is the caller's own: mutating any result (create, get, getWithHistory, list, commit, readEvents, stats, importSession, the sync face), then committing, changes nothing stored",
    async run({ open, reopen, harness, capabilities }) {
      const store = await open();
      const fresh = async () => (harness.reopen ? reopen() : undefined);
      await everyMethod(store, "a", fresh);
      if (capabilities.sync) await everyMethod(lift(store.sync()), "s", fresh);
    },
  },
];
