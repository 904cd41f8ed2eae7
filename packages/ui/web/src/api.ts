import type { Session, SessionEvent, SessionStatus, SessionSummary } from "@sessionkit/core";
import type { InspectorStatistics } from "../../src/server/statistics.js";

export type { InspectorStatistics, Session, SessionEvent, SessionStatus, SessionSummary };

/** Why a session is stuck (core's stuckReason): its lease ran out, or its owner's process on this host is gone. */
export type StuckReason = "lease_expired" | "owner_gone";

/** Owner and lease as the server reports them (present once the store records ownership). */
export interface Ownership {
  owner?: Record<string, unknown>;
  leaseUntil?: string;
  stuck?: StuckReason;
}

export interface Info {
  store: { name: string; capabilities: Record<string, unknown> };
  allowActions: boolean;
  csrfToken: string | null;
  live: "watch" | "poll";
  pollIntervalMs: number;
  now: string;
}

export type ListedSession = SessionSummary;

/** An API failure with the server's stable code. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

// The printed URL carries the token once; the server answers it with an HttpOnly cookie, and the
// token is taken out of the address bar so it does not linger in history or screenshots.
const initial = new URL(location.href);
if (initial.searchParams.has("token")) {
  initial.searchParams.delete("token");
  history.replaceState(null, "", initial.pathname + initial.search + initial.hash);
}

let csrfToken: string | null = null;

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, { credentials: "same-origin", ...init });
  const body = (await response.json().catch(() => null)) as {
    error?: { code: string; message: string };
  } | null;
  if (!response.ok) {
    throw new ApiError(
      body?.error?.code ?? "ERR_HTTP",
      body?.error?.message ?? response.statusText,
      response.status,
    );
  }
  return body as T;
}

/** Query string from a record, leaving out empty values. */
export function toQuery(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export const api = {
  async info(): Promise<Info> {
    const info = await request<Info>("./api/info");
    csrfToken = info.csrfToken;
    return info;
  },
  sessions: (query: Record<string, string | number | undefined>) =>
    request<{
      items: ListedSession[];
      nextCursor: string | null;
      corrupt: Array<{ id: string; message: string }>;
      /** The listed rows that are stuck, from the summaries' owner and lease. */
      stuck: Array<{ id: string; reason: StuckReason }>;
      now: string;
    }>(`./api/sessions${toQuery(query)}`),
  counts: (query: Record<string, string | undefined>) =>
    request<{ total: number; byStatus: Record<SessionStatus, number> }>(`./api/counts${toQuery(query)}`),
  session: (id: string) =>
    request<{ session: Session; ownership: Ownership; now: string }>(
      `./api/sessions/${encodeURIComponent(id)}`,
    ),
  events: (id: string, fromSeq: number, limit: number) =>
    request<{ events: SessionEvent[] }>(
      `./api/sessions/${encodeURIComponent(id)}/events${toQuery({ fromSeq, limit })}`,
    ),
  stats: (query: Record<string, string | undefined>) =>
    request<InspectorStatistics>(`./api/stats${toQuery(query)}`),
  action: <T>(name: string, body: Record<string, unknown>) =>
    request<{ ok: true; result: T }>(`./api/actions/${name}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrfToken ?? "" },
      body: JSON.stringify(body),
    }),
  liveUrl: (id: string, after: number) =>
    `./api/sessions/${encodeURIComponent(id)}/live${toQuery({ after })}`,
};
