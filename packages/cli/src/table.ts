/**
 * A bordered text table. Written here rather than taken from cli-table3: cli-table3 measures every
 * cell with string-width, which compiles emoji-regex per call; 50 rows cost 50–130 ms, most of
 * `sessionkit list`'s budget. Widths count code points after stripping colour codes, so a cell of
 * wide characters (CJK, emoji) is padded as if narrow; cells are clipped before they get here.
 */
const ANSI = /\u001b\[[0-9;]*m/g;

/** Printed width of a cell (code points, colour codes excluded). */
function widthOf(text: string): number {
  const plain = text.includes("\u001b") ? text.replace(ANSI, "") : text;
  let width = 0;
  for (const _ of plain) width += 1;
  return width;
}

/** The table as lines: a box around the heading row and the body rows. */
export function renderTable(head: string[], rows: string[][]): string {
  const widths = head.map((cell) => widthOf(cell));
  for (const row of rows)
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, widthOf(cell));
    });
  const rule = (left: string, middle: string, right: string) =>
    `${left}${widths.map((width) => "─".repeat(width + 2)).join(middle)}${right}`;
  const line = (cells: string[]) =>
    `│${widths
      .map((width, column) => {
        const cell = cells[column] ?? "";
        return ` ${cell}${" ".repeat(width - widthOf(cell))} `;
      })
      .join("│")}│`;
  return [rule("┌", "┬", "┐"), line(head), rule("├", "┼", "┤"), ...rows.map(line), rule("└", "┴", "┘")].join(
    "\n",
  );
}
