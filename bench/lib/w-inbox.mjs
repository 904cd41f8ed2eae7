// Workload "inbox": listAwaitingInput at 100,000 sessions of which 10,000 wait for input (one open
// request each), per store: the newest page of 50, a user's page, a tag's page. Each query is
// timed call by call (after a warm-up) and the p95 is the figure; the data set is seeded untimed.
import { destroySpec, makeSpec, openStore } from "./adapters.mjs";
import { BASE_MS, makeSession, sessionId, USERS } from "./data.mjs";
import { fmtUs, now, usSince } from "./measure.mjs";
import { seedStore } from "./seeding.mjs";

const STORES = ["sqlite", "postgres", "fs", "redis"];
const OPEN_EVERY = 10;
const TEAMS = 10;

/** Sessions per data set (a tenth of them awaiting input). */
export const inboxSize = (quick) => (quick ? 2000 : 100_000);

/** Session i; every OPEN_EVERY-th is paused awaiting one approval tagged with its team. */
function make(i) {
  const built = makeSession(sessionId("ib", i), i, 2);
  if (i % OPEN_EVERY !== 0) return built;
  const at = new Date(Date.parse(built.session.createdAt) + 500).toISOString();
  built.session = {
    ...built.session,
    status: "paused",
    pause: { at, reason: "awaiting_input" },
    inputRequests: [
      {
        requestId: `r${i}`,
        kind: "approval",
        prompt: `Apply the patch of task ${i}?`,
        payload: { pr: i },
        tags: ["approval", `team_${(i / OPEN_EVERY) % TEAMS}`],
        expiresAt: new Date(BASE_MS + (i + 86_400) * 1000).toISOString(),
        requestedAt: at,
      },
    ],
  };
  return built;
}

/** The ids the newest page must list (newest first). */
function expectedFirst(total, limit, keep = () => true) {
  const out = [];
  for (let i = total - 1; i >= 0 && out.length < limit; i--)
    if (i % OPEN_EVERY === 0 && keep(i)) out.push(sessionId("ib", i));
  return out;
}

function p95(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))];
}

async function timeQuery(store, query, calls) {
  for (let i = 0; i < 10; i++) await store.listAwaitingInput(query);
  const us = [];
  for (let i = 0; i < calls; i++) {
    const t0 = now();
    await store.listAwaitingInput(query);
    us.push(usSince(t0));
  }
  return {
    us: p95(us),
    p50: [...us].sort((a, b) => a - b)[Math.floor(us.length / 2)],
    rounds: us.length,
    ops: 1,
  };
}

/** The queries timed: the newest page, one user's, one tag's (1 in TEAMS open requests). */
function queries(total) {
  const user = OPEN_EVERY * 7; // user_70: a user with open requests (i % USERS === 70)
  return [
    ["all", { limit: 50 }, expectedFirst(total, 50)],
    ["user", { userId: `user_${user}`, limit: 50 }, expectedFirst(total, 50, (i) => i % USERS === user)],
    ["tag", { tag: "team_3", limit: 50 }, expectedFirst(total, 50, (i) => (i / OPEN_EVERY) % TEAMS === 3)],
  ];
}

export async function runInbox(ctx) {
  const total = inboxSize(ctx.quick);
  const calls = ctx.quick ? 30 : 200;
  for (const id of STORES) {
    const subject = ctx.subjects.find((s) => s.id === id);
    if (!subject) continue;
    const spec = makeSpec(subject.adapter, ctx.runDir, `inbox_${id}`, subject.options);
    try {
      const t0 = now();
      await seedStore(spec, total, make);
      ctx.log(
        `inbox: ${id}, seeded ${total} sessions (${total / OPEN_EVERY} awaiting) in ${(usSince(t0) / 1e6).toFixed(1)} s`,
      );
      const store = await openStore(spec);
      try {
        for (const [name, query, want] of queries(total)) {
          const got = (await store.listAwaitingInput(query)).items.map((item) => item.session.id);
          if (JSON.stringify(got) !== JSON.stringify(want))
            throw new Error(
              `inbox ${id} ${name}: wrong page: got ${got.slice(0, 3)}…, expected ${want.slice(0, 3)}…`,
            );
          ctx.fig(`inbox.${id}.${name}@${total}`, await timeQuery(store, query, calls));
        }
      } finally {
        await store.close();
      }
    } finally {
      await destroySpec(spec, ctx.pgAdmin);
    }
  }
  ctx.fig("inbox.limit.indexed", { us: 5000 });
  ctx.fig("inbox.limit.fs", { us: 50_000 });
}

/** Targets (issue 21): p95 under 5 ms on SQLite and PostgreSQL, under 50 ms on fs. */
export function inboxTargets({ quick }) {
  const n = inboxSize(quick);
  return STORES.filter((id) => id !== "redis").flatMap((id) =>
    ["all", "user", "tag"].map((name) => ({
      id: `inbox-${id}-${name}`,
      label: `${id}: listAwaitingInput p95 (${name === "all" ? "newest 50" : `by ${name}`}) at ${n.toLocaleString("en")} sessions / ${(n / OPEN_EVERY).toLocaleString("en")} open vs ${id === "fs" ? "50" : "5"} ms`,
      num: `inbox.${id}.${name}@${n}`,
      den: id === "fs" ? "inbox.limit.fs" : "inbox.limit.indexed",
      op: "<=",
      target: 1,
    })),
  );
}

/** The workload's table: p50 and p95 per store and query. */
export function renderInbox(ctx, table) {
  const n = inboxSize(ctx.quick);
  const F = ctx.figures;
  const rows = STORES.filter((id) => F[`inbox.${id}.all@${n}`]).map((id) => [
    id,
    ...["all", "user", "tag"].flatMap((name) => {
      const f = F[`inbox.${id}.${name}@${n}`];
      return f ? [`${fmtUs(f.p50)} / ${fmtUs(f.us)}`] : ["–"];
    }),
  ]);
  if (rows.length === 0) return null;
  return `### Inbox (listAwaitingInput, limit 50) at ${n.toLocaleString("en")} sessions, ${(n / OPEN_EVERY).toLocaleString("en")} awaiting input: p50 / p95 per call\n\n${table(["store", "newest page", "one user", "one tag (1 in 10)"], rows)}`;
}
