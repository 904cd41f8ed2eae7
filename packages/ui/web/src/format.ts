/** `2026-01-31T10:00:00.000Z` → `2026-01-31 10:00:00` (UTC, as stored). */
export function shortTime(iso: string | undefined): string {
  return iso ? iso.replace("T", " ").slice(0, 19) : "";
}

/** Milliseconds as `+1h 02m`, `+3m 04s`, `+5.2s`, `+120ms`. */
export function elapsed(ms: number): string {
  if (ms < 1000) return `+${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `+${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `+${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(s / 3600);
  if (h < 48) return `+${h}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `+${Math.floor(h / 24)}d ${h % 24}h`;
}

const TYPE_COLOURS: Record<string, string> = {
  start: "#2563eb",
  iteration: "#0891b2",
  tool_call: "#7c3aed",
  learning: "#16a34a",
  pause: "#d97706",
  resume: "#0d9488",
  complete: "#15803d",
  error: "#dc2626",
  timeout: "#b45309",
  context: "#64748b",
  crash: "#be123c",
};

/** One colour per event type: fixed for the core types, derived from the name for custom ones. */
export function typeColour(type: string): string {
  const known = TYPE_COLOURS[type];
  if (known) return known;
  let hash = 0;
  for (let i = 0; i < type.length; i++) hash = (hash * 31 + type.charCodeAt(i)) >>> 0;
  return `hsl(${hash % 360} 55% 42%)`;
}

function clip(text: string, max = 140): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function compact(value: unknown): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A one-line summary of an event's data, by type; the full data is shown on demand. */
export function summarise(type: string, data: Record<string, unknown> | undefined): string {
  const d = data ?? {};
  switch (type) {
    case "start":
      return clip(compact(d.task ?? d.mode ?? ""));
    case "iteration": {
      const { usage, ...rest } = d as {
        usage?: { tokens?: unknown; cost?: unknown };
        [key: string]: unknown;
      };
      const text = compact(
        rest.summary ?? rest.step ?? rest.message ?? (Object.keys(rest).length ? rest : ""),
      );
      const used = usage
        ? ` · ${compact(usage.tokens ?? "")} tokens${usage.cost === undefined ? "" : `, $${compact(usage.cost)}`}`
        : "";
      return clip(`${text}${used}`);
    }
    case "tool_call":
      return clip(
        `${compact(d.tool)}(${compact(d.args ?? "")})${d.result === undefined ? "" : ` → ${compact(d.result)}`}`,
      );
    case "learning":
      return clip(compact(d.insight));
    case "pause":
      return clip(compact(d.reason ?? "paused"));
    case "complete":
      return clip(compact(d.result ?? "completed"));
    case "error":
      return clip(compact(d.error ?? d.message ?? ""));
    case "context":
      return clip(`keys: ${Object.keys((d.partial ?? d.context ?? d) as object).join(", ")}`);
    default:
      return clip(Object.keys(d).length ? JSON.stringify(d) : "");
  }
}
