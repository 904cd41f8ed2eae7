import { createManualClock, createMemoryStore, isSessionKitError, type SessionStore } from "@sessionkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Inspector, startInspector } from "../src/index.js";
import { seedSessions } from "./helpers/seed.js";

let store: SessionStore;
let readOnly: Inspector;
let withActions: Inspector;
const clock = createManualClock();

beforeAll(async () => {
  store = createMemoryStore({ clock });
  await seedSessions(store, clock, 30);
  readOnly = await startInspector({ store });
  withActions = await startInspector({ store, allowActions: true });
});
afterAll(async () => {
  await readOnly?.close();
  await withActions?.close();
  await store?.close();
});

// Response bodies are checked field by field below; a loose type keeps those checks short.
// biome-ignore lint/suspicious/noExplicitAny: test-only JSON access
const loose = (value: unknown): any => value;
const base = (inspector: Inspector) => `http://127.0.0.1:${inspector.port}`;
const auth = (inspector: Inspector) => ({ authorization: `Bearer ${inspector.token}` });
async function csrfOf(inspector: Inspector): Promise<string> {
  const info = await (await fetch(`${base(inspector)}/api/info`, { headers: auth(inspector) }))
    .json()
    .then(loose);
  return info.csrfToken;
}

describe("access", () => {
  it("binds 127.0.0.1 and prints a URL carrying a random token", () => {
    expect(readOnly.url).toBe(`http://127.0.0.1:${readOnly.port}/?token=${readOnly.token}`);
    expect(readOnly.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(withActions.token).not.toBe(readOnly.token);
  });

  it("answers 401 to every request without the token, pages and API alike", async () => {
    for (const path of ["/", "/index.html", "/api/info", "/api/sessions", "/api/stats", "/assets/x.js"]) {
      const response = await fetch(`${base(readOnly)}${path}`);
      expect(response.status, path).toBe(401);
      expect((await response.json().then(loose)).error.code).toBe("ERR_UNAUTHORIZED");
    }
    const wrong = await fetch(`${base(readOnly)}/api/info?token=${withActions.token}`);
    expect(wrong.status).toBe(401);
  });

  it("accepts the printed URL and then the HttpOnly cookie it sets", async () => {
    const page = await fetch(readOnly.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    const cookie = page.headers.get("set-cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const api = await fetch(`${base(readOnly)}/api/info`, { headers: { cookie: cookie.split(";")[0]! } });
    expect(api.status).toBe(200);
    expect((await api.json().then(loose)).allowActions).toBe(false);
  });

  it("refuses bad options with ERR_INVALID_INPUT before listening", async () => {
    for (const options of [{ store: {} }, { store, port: -1 }, { store, token: "short" }]) {
      const error = await startInspector(options as never).catch((failure: unknown) => failure);
      expect(isSessionKitError(error, "ERR_INVALID_INPUT")).toBe(true);
    }
  });
});

describe("read API answers what the store answers", () => {
  it("list pages equal store.list pages for the same filter", async () => {
    const query = { mode: "developer", limit: 4 };
    let cursor: string | null = null;
    let pages = 0;
    do {
      const expected = await store.list({ ...query, cursor });
      const url = `${base(readOnly)}/api/sessions?mode=developer&limit=4${cursor ? `&cursor=${cursor}` : ""}`;
      const got = await (await fetch(url, { headers: auth(readOnly) })).json().then(loose);
      expect(got.items.map((item: { id: string }) => item.id)).toEqual(expected.items.map((item) => item.id));
      expect(got.nextCursor).toBe(expected.nextCursor);
      cursor = expected.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
  });

  it("passes the store's own validation errors through with their code", async () => {
    const bad = await fetch(`${base(readOnly)}/api/sessions?status=done`, { headers: auth(readOnly) });
    expect(bad.status).toBe(400);
    expect((await bad.json().then(loose)).error.code).toBe("ERR_INVALID_QUERY");
    const cursor = await fetch(`${base(readOnly)}/api/sessions?cursor=nope`, { headers: auth(readOnly) });
    expect((await cursor.json().then(loose)).error.code).toBe("ERR_INVALID_CURSOR");
    const missing = await fetch(`${base(readOnly)}/api/sessions/session_missing`, {
      headers: auth(readOnly),
    });
    expect(missing.status).toBe(404);
  });

  it("statistics totals equal store.stats for the same filter", async () => {
    const stats = await (
      await fetch(`${base(readOnly)}/api/stats?userId=user-1`, { headers: auth(readOnly) })
    )
      .json()
      .then(loose);
    const expected = await store.stats({ userId: "user-1" });
    expect(stats.total).toBe(expected.total);
    expect(stats.byStatus).toEqual(expected.byStatus);
    const eventSum = Object.values(stats.eventTypes as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(eventSum).toBe(expected.events);
  });
});

describe("actions", () => {
  it("are refused with 403 ERR_ACTIONS_DISABLED without allowActions, and nothing changes", async () => {
    const [first] = (await store.list({ status: "active", limit: 1 })).items;
    const response = await fetch(`${base(readOnly)}/api/actions/pause`, {
      method: "POST",
      headers: { ...auth(readOnly), "content-type": "application/json" },
      body: JSON.stringify({ id: first!.id, confirm: true }),
    });
    expect(response.status).toBe(403);
    expect((await response.json().then(loose)).error.code).toBe("ERR_ACTIONS_DISABLED");
    expect((await store.get(first!.id))!.status).toBe("active");
  });

  it("need the CSRF token and a same-origin request", async () => {
    const [first] = (await store.list({ status: "active", limit: 1 })).items;
    const body = JSON.stringify({ id: first!.id, confirm: true });
    const headers = { ...auth(withActions), "content-type": "application/json" };
    const none = await fetch(`${base(withActions)}/api/actions/pause`, { method: "POST", headers, body });
    expect(none.status).toBe(403);
    expect((await none.json().then(loose)).error.code).toBe("ERR_CSRF");
    const csrf = await csrfOf(withActions);
    const crossSite = await fetch(`${base(withActions)}/api/actions/pause`, {
      method: "POST",
      headers: { ...headers, "x-csrf-token": csrf, origin: "http://evil.example" },
      body,
    });
    expect(crossSite.status).toBe(403);
    expect((await store.get(first!.id))!.status).toBe("active");
    const ok = await fetch(`${base(withActions)}/api/actions/pause`, {
      method: "POST",
      headers: { ...headers, "x-csrf-token": csrf },
      body,
    });
    expect(ok.status).toBe(200);
    expect((await store.get(first!.id))!.status).toBe("paused");
    const events = await store.readEvents(first!.id, { last: 1 });
    expect(events[0]!.type).toBe("pause");
  });

  it("go through the manager: an illegal transition is ERR_INVALID_TRANSITION and changes nothing", async () => {
    const [done] = (await store.list({ status: "completed", limit: 1 })).items;
    const csrf = await csrfOf(withActions);
    const response = await fetch(`${base(withActions)}/api/actions/pause`, {
      method: "POST",
      headers: { ...auth(withActions), "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ id: done!.id, confirm: true }),
    });
    expect(response.status).toBe(409);
    expect((await response.json().then(loose)).error.code).toBe("ERR_INVALID_TRANSITION");
    expect((await store.get(done!.id))!.version).toBe(done!.version);
  });

  it("prune previews with a dry run and deletes only when confirmed", async () => {
    const csrf = await csrfOf(withActions);
    const post = (body: object) =>
      fetch(`${base(withActions)}/api/actions/prune`, {
        method: "POST",
        headers: { ...auth(withActions), "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify(body),
      });
    const olderThan = "2026-11-21T00:00:00.000Z";
    const before = await store.count();
    const preview = await (await post({ olderThan, statuses: ["completed"], dryRun: true }))
      .json()
      .then(loose);
    const expected = await store.prune({ olderThan, statuses: ["completed"], dryRun: true });
    expect(preview.result).toEqual(expected);
    expect(expected.count).toBeGreaterThan(0);
    expect(await store.count()).toBe(before);
    const unconfirmed = await post({ olderThan, statuses: ["completed"], dryRun: false });
    expect(unconfirmed.status).toBe(400);
    expect(await store.count()).toBe(before);
    const done = await (await post({ olderThan, statuses: ["completed"], dryRun: false, confirm: true }))
      .json()
      .then(loose);
    expect(done.result.ids).toEqual(expected.ids);
    expect(await store.count()).toBe(before - expected.count);
  });
});

describe("live timeline", () => {
  /** Reads server-sent events from a response until `done(events so far)` holds. */
  async function readSse(
    response: Response,
    done: (events: Array<{ event: string; data: unknown }>) => boolean,
  ) {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: Array<{ event: string; data: unknown }> = [];
    let buffer = "";
    while (!done(events)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data !== undefined) events.push({ event: name, data: JSON.parse(data) });
      }
    }
    await reader.cancel();
    return events;
  }

  it("follows the store's change feed when it has one: a commit arrives with polling a minute away", async () => {
    const feedClock = createManualClock();
    const fed = createMemoryStore({ clock: feedClock });
    expect(fed.capabilities.watch).toBe(true);
    const { session } = await fed.create({ mode: "developer", task: "watched" });
    await fed.commit(session.id, { events: [{ type: "note", data: { n: 1 } }] });
    const inspector = await startInspector({ store: fed, pollIntervalMs: 60_000 });
    try {
      const info = await (await fetch(`${base(inspector)}/api/info`, { headers: auth(inspector) }))
        .json()
        .then(loose);
      expect(info.live).toBe("watch");
      const response = await fetch(`${base(inspector)}/api/sessions/${session.id}/live?after=0`, {
        headers: auth(inspector),
      });
      const seqs = (events: Array<{ event: string; data: unknown }>) =>
        events
          .filter((e) => e.event === "events")
          .flatMap((e) => loose(e.data).map((x: { seq: number }) => x.seq));
      let committed = false;
      const events = await readSse(response, (so) => {
        if (!committed && seqs(so).includes(1)) {
          committed = true;
          // Two commits after the stream caught up: one of three events, one state-only.
          void fed
            .commit(session.id, { events: [{ type: "a" }, { type: "b" }, { type: "c" }] })
            .then(() => fed.commit(session.id, { patch: { task: "renamed" } }));
        }
        return so.some((e) => e.event === "session" && loose(e.data).session.task === "renamed");
      });
      expect(seqs(events)).toEqual([1, 2, 3, 4]);
    } finally {
      await inspector.close();
      await fed.close();
    }
  }, 20_000); // a fallback to polling (every 60 s) would not make it in time

  it("hints the Sessions screen of each burst of changes matching its filter", async () => {
    const fed = createMemoryStore({ clock: createManualClock() });
    const inspector = await startInspector({ store: fed });
    try {
      const response = await fetch(`${base(inspector)}/api/changes?mode=developer`, {
        headers: auth(inspector),
      });
      let created = false;
      const events = await readSse(response, (so) => {
        if (!created && so.some((e) => e.event === "ready")) {
          created = true;
          void fed.create({ mode: "developer", task: "new" });
        }
        return so.some((e) => e.event === "changed");
      });
      expect(events.map((e) => e.event)).toEqual(["ready", "changed"]);
      expect(loose(events[1]!.data).count).toBeGreaterThanOrEqual(1);
    } finally {
      await inspector.close();
      await fed.close();
    }
  });

  it("says it polls on a store without a change feed", async () => {
    const { openTestStore } = await import("./helpers/stores.js");
    const target = openTestStore("sqlite");
    const inspector = await startInspector({ store: target.store });
    try {
      const info = await (await fetch(`${base(inspector)}/api/info`, { headers: auth(inspector) }))
        .json()
        .then(loose);
      expect(info.live).toBe(target.store.capabilities.watch === true ? "watch" : "poll");
      if (target.store.capabilities.watch !== true) {
        const changes = await fetch(`${base(inspector)}/api/changes`, { headers: auth(inspector) });
        expect(await changes.text()).toContain("event: unsupported");
      }
    } finally {
      await inspector.close();
      await target.dispose();
    }
  });
});
