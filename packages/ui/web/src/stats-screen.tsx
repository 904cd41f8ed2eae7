import type { ChartConfiguration } from "chart.js";
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type InspectorStatistics } from "./api.js";
import { ChartView } from "./chart.js";
import { FilterBar, filterParams, STATUSES } from "./filters.js";
import { typeColour } from "./format.js";
import { navigate } from "./router.js";

const STATUS_COLOURS: Record<string, string> = {
  active: "#2563eb",
  paused: "#d97706",
  completed: "#16a34a",
  failed: "#dc2626",
  timeout: "#a16207",
};

function stacked(labels: string[], series: Record<string, number[]>): ChartConfiguration {
  return {
    type: "bar",
    data: {
      labels,
      datasets: Object.entries(series).map(([status, data]) => ({
        label: status,
        data,
        backgroundColor: STATUS_COLOURS[status] ?? "#64748b",
      })),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
  };
}

function configs(stats: InspectorStatistics): Record<string, ChartConfiguration> {
  const modes = Object.keys(stats.byMode);
  const types = Object.entries(stats.eventTypes).sort((a, b) => b[1] - a[1]);
  return {
    started: stacked(stats.days, stats.startedPerDay),
    finished: stacked(stats.days, stats.finishedPerDay),
    success: {
      type: "line",
      data: {
        labels: stats.days,
        datasets: [
          { label: "success rate %", data: stats.successRatePerDay, borderColor: "#16a34a", spanGaps: true },
        ],
      },
      options: { scales: { y: { min: 0, max: 100 } } },
    },
    iterations: {
      type: "bar",
      data: {
        labels: modes,
        datasets: [
          {
            label: "iterations",
            data: modes.map((mode) => stats.byMode[mode]!.iterations),
            backgroundColor: "#0891b2",
          },
          {
            label: "sessions",
            data: modes.map((mode) => stats.byMode[mode]!.sessions),
            backgroundColor: "#94a3b8",
          },
        ],
      },
    },
    usage: {
      type: "bar",
      data: {
        labels: modes,
        datasets: [
          {
            label: "cost",
            data: modes.map((mode) => stats.byMode[mode]!.cost),
            backgroundColor: "#7c3aed",
            yAxisID: "y",
          },
          {
            label: "tokens",
            data: modes.map((mode) => stats.byMode[mode]!.tokens),
            backgroundColor: "#f59e0b",
            yAxisID: "tokens",
          },
        ],
      },
      options: { scales: { y: { beginAtZero: true }, tokens: { position: "right", beginAtZero: true } } },
    },
    events: {
      type: "bar",
      data: {
        labels: types.map(([type]) => type),
        datasets: [
          {
            label: "events",
            data: types.map(([, count]) => count),
            backgroundColor: types.map(([type]) => typeColour(type)),
          },
        ],
      },
      options: { indexAxis: "y" },
    },
  };
}

/** Charts over the sessions matching the same filters as the list. */
export function StatsScreen(props: { params: Record<string, string> }) {
  const filter = filterParams(props.params);
  const key = JSON.stringify(filter);
  const [stats, setStats] = useState<InspectorStatistics | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setStats(null);
    setError(null);
    api.stats(filter).then(
      (value) => live && setStats(value),
      (failure: Error) => live && setError(failure.message),
    );
    return () => {
      live = false;
    };
  }, [key]);
  const charts = useMemo(() => (stats ? configs(stats) : null), [stats]);
  return (
    <section>
      <FilterBar key={key} params={props.params} onApply={(next) => navigate("stats", next)} />
      {error && (
        <p class="error" data-testid="error">
          {error}
        </p>
      )}
      {!stats && !error && <p class="muted">computing…</p>}
      {stats && charts && (
        <>
          <div class="totals" data-testid="stats-totals">
            <span>
              <b data-testid="stats-total">{stats.total}</b> sessions
            </span>
            {STATUSES.map((status) => (
              <span key={status} class={`status-${status}`}>
                <b>{stats.byStatus[status]}</b> {status}
              </span>
            ))}
            <span class="muted">
              event types over the newest {stats.sampledSessions} of {stats.total} sessions
            </span>
          </div>
          <div class="charts">
            <ChartView name="started" title="Sessions started per day, by status" config={charts.started!} />
            <ChartView
              name="finished"
              title="Sessions finished per day, by status"
              config={charts.finished!}
            />
            <ChartView
              name="success"
              title="Success rate per day (completed / finished)"
              config={charts.success!}
            />
            <ChartView
              name="iterations"
              title="Iterations and sessions per mode"
              config={charts.iterations!}
            />
            <ChartView name="usage" title="Cost and tokens per mode" config={charts.usage!} />
            <ChartView name="events" title="Events by type" config={charts.events!} />
          </div>
        </>
      )}
    </section>
  );
}
