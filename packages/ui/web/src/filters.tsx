import { useState } from "preact/hooks";
import type { SessionStatus } from "./api.js";

export const STATUSES: SessionStatus[] = ["active", "paused", "completed", "failed", "timeout"];
const TEXT_FIELDS = [
  ["userId", "user"],
  ["channelId", "channel"],
  ["mode", "mode"],
  ["createdAfter", "created ≥"],
  ["createdBefore", "created ≤"],
  ["updatedAfter", "updated ≥"],
  ["updatedBefore", "updated ≤"],
] as const;
export const FILTER_KEYS = [...TEXT_FIELDS.map(([key]) => key), "status", "metadata"];

/** The filter part of the route's params (what the API's filter parameters take). */
export function filterParams(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of FILTER_KEYS) if (params[key]) out[key] = params[key]!;
  return out;
}

/** `model=gpt-4, priority=2` → `{"model":"gpt-4","priority":2}`; a value that is JSON keeps its type. */
export function metadataFromText(text: string): string {
  const entries: Array<[string, unknown]> = [];
  for (const part of text.split(",")) {
    const at = part.indexOf("=");
    if (at < 1) continue;
    const key = part.slice(0, at).trim();
    const raw = part.slice(at + 1).trim();
    let value: unknown = raw;
    try {
      const parsed = JSON.parse(raw);
      if (parsed === null || ["string", "number", "boolean"].includes(typeof parsed)) value = parsed;
    } catch {
      // Not JSON: the text itself is the string value.
    }
    entries.push([key, value]);
  }
  return entries.length ? JSON.stringify(Object.fromEntries(entries)) : "";
}

export function metadataToText(json: string | undefined): string {
  if (!json) return "";
  try {
    return Object.entries(JSON.parse(json) as Record<string, unknown>)
      .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
      .join(", ");
  } catch {
    return "";
  }
}

/** One checkbox per status; `prefix` names the inputs (`status-active`, …). */
export function StatusChips(props: {
  prefix: string;
  selected: string[];
  onToggle: (status: string) => void;
}) {
  return (
    <fieldset class="statuses">
      {STATUSES.map((status) => (
        <label key={status} class={`chip status-${status}`}>
          <input
            type="checkbox"
            name={`${props.prefix}-${status}`}
            checked={props.selected.includes(status)}
            onChange={() => props.onToggle(status)}
          />
          {status}
        </label>
      ))}
    </fieldset>
  );
}

/** Every filter of the query API, as a form; applying it replaces the filter params of the route. */
export function FilterBar(props: {
  params: Record<string, string>;
  onApply: (filter: Record<string, string>) => void;
}) {
  const [draft, setDraft] = useState<Record<string, string>>(() => ({
    ...filterParams(props.params),
    metadata: metadataToText(props.params.metadata),
  }));
  const statuses = new Set((draft.status ?? "").split(",").filter(Boolean));
  const set = (key: string, value: string) => setDraft({ ...draft, [key]: value });
  const toggle = (status: string) => {
    const next = new Set(statuses);
    if (next.has(status)) next.delete(status);
    else next.add(status);
    set("status", STATUSES.filter((s) => next.has(s)).join(","));
  };
  const apply = (event: Event) => {
    event.preventDefault();
    const filter: Record<string, string> = {};
    for (const [key, value] of Object.entries(draft)) if (value) filter[key] = value.trim();
    if (draft.metadata) filter.metadata = metadataFromText(draft.metadata);
    props.onApply(filter);
  };
  return (
    <form class="filters" onSubmit={apply} data-testid="filters">
      {TEXT_FIELDS.map(([key, label]) => (
        <label key={key}>
          <span>{label}</span>
          <input
            name={key}
            value={draft[key] ?? ""}
            placeholder={key.endsWith("After") || key.endsWith("Before") ? "2026-01-31T00:00Z" : ""}
            onInput={(event) => set(key, (event.target as HTMLInputElement).value)}
          />
        </label>
      ))}
      <label class="wide">
        <span>metadata</span>
        <input
          name="metadata"
          value={draft.metadata ?? ""}
          placeholder="model=gpt-4, priority=2"
          onInput={(event) => set("metadata", (event.target as HTMLInputElement).value)}
        />
      </label>
      <StatusChips prefix="status" selected={[...statuses]} onToggle={toggle} />
      <button type="submit" data-testid="apply-filters">
        Apply
      </button>
      <button
        type="button"
        class="secondary"
        onClick={() => {
          setDraft({});
          props.onApply({});
        }}
      >
        Clear
      </button>
    </form>
  );
}
