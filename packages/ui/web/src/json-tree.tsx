/** A collapsible JSON tree: objects and arrays open to `openDepth` levels, deeper ones on a click. */
export function JsonTree(props: { value: unknown; name?: string; depth?: number; openDepth?: number }) {
  const { value, name, depth = 0, openDepth = 1 } = props;
  const label = name === undefined ? null : <span class="json-key">{name}: </span>;
  if (value === null || typeof value !== "object") {
    return (
      <div class="json-leaf">
        {label}
        <span class={`json-${value === null ? "null" : typeof value}`}>{JSON.stringify(value)}</span>
      </div>
    );
  }
  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value as Record<string, unknown>);
  const brackets = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0)
    return (
      <div class="json-leaf">
        {label}
        {brackets.join("")}
      </div>
    );
  return (
    <details class="json-node" open={depth < openDepth}>
      <summary>
        {label}
        {brackets[0]}
        <span class="json-size">
          {entries.length} {Array.isArray(value) ? "items" : "keys"}
        </span>
        {brackets[1]}
      </summary>
      <div class="json-children">
        {entries.map(([key, child]) => (
          <JsonTree key={key} name={key} value={child} depth={depth + 1} openDepth={openDepth} />
        ))}
      </div>
    </details>
  );
}
