import { useEffect, useState } from "preact/hooks";
import { api, type ListedSession, type SessionStatus, type StuckReason, toQuery } from "./api.js";
import { FilterBar, filterParams, STATUSES } from "./filters.js";
import { shortTime } from "./format.js";
import { hrefFor, navigate } from "./router.js";

const PAGE_SIZES = [25, 50, 100, 200];

/** What a stuck badge says, per core's stuckReason. */
export const STUCK_TEXT: Record<StuckReason, string> = {
  lease_expired: "lease expired",
  owner_gone: "owner's process is gone",
};

export function StatusBadge(props: { status: SessionStatus }) {
  return <span class={`badge status-${props.status}`}>{props.status}</span>;
}

/**
 * Counts per status for the filter without its status part, so every chip shows what it would select.
 * Fetched once the first page is in (`start`): stats() reads every matching summary (55 ms at 100,000
 * sessions on SQLite) and a store with a synchronous driver would hold the page's rows behind it.
 */
function StatusCounts(props: {
  filter: Record<string, string>;
  start: boolean;
  /** Bumped on every change the store reports: the counts are read again. */
  refresh: number;
  onPick: (status: string | undefined) => void;
}) {
  const [counts, setCounts] = useState<{ total: number; byStatus: Record<SessionStatus, number> } | null>(
    null,
  );
  const { status: _status, ...others } = props.filter;
  const key = JSON.stringify(others);
  useEffect(() => {
    if (!props.start) return;
    let live = true;
    api.counts(others).then(
      (value) => live && setCounts(value),
      () => live && setCounts(null),
    );
    return () => {
      live = false;
    };
  }, [key, props.start, props.refresh]);
  if (!counts) return <div class="counts">…</div>;
  return (
    <div class="counts" data-testid="status-counts">
      <button type="button" class="count" data-status="all" onClick={() => props.onPick(undefined)}>
        <b data-testid="count-all">{counts.total}</b> all
      </button>
      {STATUSES.map((status) => (
        <button
          type="button"
          key={status}
          class={`count status-${status}`}
          data-status={status}
          onClick={() => props.onPick(status)}
        >
          <b data-testid={`count-${status}`}>{counts.byStatus[status]}</b> {status}
        </button>
      ))}
    </div>
  );
}

/** One row; its summary carries owner and lease, the server says whether it is stuck. */
function SessionRow(props: { item: ListedSession; stuck: StuckReason | undefined; showOwner: boolean }) {
  const { item, stuck, showOwner } = props;
  return (
    <tr data-testid="session-row" data-id={item.id}>
      <td class="mono">
        <a href={hrefFor("session", {}, item.id)}>{item.id}</a>
      </td>
      <td>
        <StatusBadge status={item.status} />
        {stuck && (
          <span class="badge stuck" title={`active, but ${STUCK_TEXT[stuck]}`} data-testid="stuck">
            stuck
          </span>
        )}
      </td>
      <td>{item.mode}</td>
      <td class="task" title={item.task}>
        {item.task}
      </td>
      <td>{item.userId ?? ""}</td>
      <td>{item.channelId ?? ""}</td>
      <td class="num">
        {item.iterations}/{item.maxIterations}
      </td>
      <td class="num">{item.eventCount}</td>
      <td class="mono">{shortTime(item.createdAt)}</td>
      <td class="mono">{shortTime(item.updatedAt)}</td>
      {showOwner && (
        <td class="mono">
          {item.owner?.id ?? ""} {shortTime(item.leaseUntil)}
        </td>
      )}
    </tr>
  );
}

/**
 * The session list: one page at a time, in the store's total order (newest first, ties by id), with
 * keyset cursors; "previous" walks back through the cursors already seen, so 100,000 sessions cost one
 * page query per click, never a scan. Mounted with the filter as its key, so a new filter starts
 * again at the first page (a cursor is bound to the filter it was issued for).
 */
export function SessionsScreen(props: { params: Record<string, string> }) {
  const filter = filterParams(props.params);
  const filterKey = JSON.stringify(filter);
  const [limit, setLimit] = useState(Number(props.params.limit ?? 50));
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [page, setPage] = useState<{
    items: ListedSession[];
    nextCursor: string | null;
    stuck: Array<{ id: string; reason: StuckReason }>;
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cursor = cursors[cursors.length - 1] ?? null;
  const [refresh, setRefresh] = useState(0);
  const [live, setLive] = useState<"connecting" | "live" | "off">("connecting");

  // The store's change feed, where it has one, tells when to read the page and counts again.
  useEffect(() => {
    const source = new EventSource(`./api/changes${toQuery(filter)}`);
    source.addEventListener("ready", () => setLive("live"));
    source.addEventListener("changed", () => setRefresh((n) => n + 1));
    const off = () => {
      setLive("off");
      source.close();
    };
    source.addEventListener("unsupported", off);
    source.addEventListener("failure", off);
    return () => source.close();
  }, [filterKey]);

  useEffect(() => {
    let live = true;
    setError(null);
    api
      .sessions({ ...filter, limit, cursor: cursor ?? undefined })
      .then((value) => live && setPage(value))
      .catch((failure: Error) => {
        if (!live) return;
        setError(failure.message);
        setPage(null);
      });
    return () => {
      live = false;
    };
  }, [filterKey, limit, cursor, refresh]);

  const apply = (next: Record<string, string>) => navigate("sessions", next);
  const stuck = new Map(page?.stuck.map((row) => [row.id, row.reason]));
  const showOwner = page?.items.some((item) => item.owner || item.leaseUntil) ?? false;
  return (
    <section>
      <StatusCounts
        filter={filter}
        start={page !== null || error !== null}
        refresh={refresh}
        onPick={(status) => apply({ ...filter, status: status ?? "" })}
      />
      <FilterBar key={filterKey} params={props.params} onApply={apply} />
      {error && (
        <p class="error" data-testid="error">
          {error}
        </p>
      )}
      <p class="order-note">
        Order: newest first (created ↓, then id ↓), the store's total order.{" "}
        <span class={`live live-${live}`} data-testid="list-live" title="follows the store's change feed">
          {live === "off" ? "not live (no change feed): reload for news" : live}
        </span>
      </p>
      <table class="sessions" data-testid="sessions-table">
        <thead>
          <tr>
            <th>id</th>
            <th>status</th>
            <th>mode</th>
            <th>task</th>
            <th>user</th>
            <th>channel</th>
            <th>iterations</th>
            <th>events</th>
            <th>created</th>
            <th>updated</th>
            {showOwner && <th>owner / lease</th>}
          </tr>
        </thead>
        <tbody>
          {page?.items.map((item) => (
            <SessionRow key={item.id} item={item} stuck={stuck.get(item.id)} showOwner={showOwner} />
          ))}
        </tbody>
      </table>
      {page && page.items.length === 0 && <p class="empty">No session matches this filter.</p>}
      <div class="pager">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors([null])}>
          First
        </button>
        <button
          type="button"
          data-testid="prev-page"
          disabled={cursors.length < 2}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous
        </button>
        <span data-testid="page-number">page {cursors.length}</span>
        <button
          type="button"
          data-testid="next-page"
          disabled={!page?.nextCursor}
          onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}
        >
          Next
        </button>
        <label>
          per page{" "}
          <select
            data-testid="page-size"
            value={limit}
            onChange={(event) => {
              setCursors([null]);
              setLimit(Number((event.target as HTMLSelectElement).value));
            }}
          >
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
      </div>
    </section>
  );
}
